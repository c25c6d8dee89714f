"""Permission-matrix rules for the GP cluster pages and API (clusters app).

Inside the cluster (coordinator, member) and the presenting provider see everything; the cluster's LKT's
national lead, the region's coordinator and staff see cluster and practice level (no discussion: 404);
everyone else gets 404. Writes: the coordinator plans and records, the provider uploads and edits packages.
"""

import uuid

from clusters import services
from clusters.models import ClusterMembership, MeetingGoal
from tests.base import World, make_user
from tests.clusters.factory import build_cluster_world

from .matrix import FORBIDDEN, NOT_ALLOWED, NOT_FOUND, OK, REDIRECT, UNAUTHORIZED, Rule, expect

BAD_REQUEST = 400
OUTSIDE_READERS = {"coordinator": OK, "national_lead": OK, "staff": OK}
CLUSTER_READ = expect(
    NOT_FOUND, **OUTSIDE_READERS, cluster_coordinator=OK, cluster_member=OK, cluster_provider=OK
)
CLUSTER_PLAN = expect(
    NOT_FOUND,
    coordinator=FORBIDDEN,
    national_lead=FORBIDDEN,
    staff=FORBIDDEN,
    cluster_coordinator=OK,
    cluster_member=FORBIDDEN,
    cluster_provider=FORBIDDEN,
)
CLUSTER_PLAN_POST = {**CLUSTER_PLAN, "cluster_coordinator": REDIRECT}
CLUSTER_UPLOAD = {**CLUSTER_PLAN, "cluster_coordinator": FORBIDDEN, "cluster_provider": OK}
INSIDE_READ = expect(NOT_FOUND, cluster_coordinator=OK, cluster_member=OK, cluster_provider=OK)
# The matrix posts an empty form: the coordinator passes the access check and gets the form's 400.
GOAL_POST = expect(
    NOT_FOUND, cluster_coordinator=BAD_REQUEST, cluster_member=FORBIDDEN, cluster_provider=FORBIDDEN
)
GOAL_DELETE = expect(
    NOT_FOUND, cluster_coordinator=REDIRECT, cluster_member=FORBIDDEN, cluster_provider=FORBIDDEN
)
LOGGED_IN = expect(OK)
PROVIDER_WRITE = expect(FORBIDDEN, cluster_provider=OK)
# The matrix posts an empty form: whoever may write passes the access check and gets the form's 400;
# the rest get what the GET gives them (404 outside, 403 inside without the right to write).
CLUSTER_PLAN_FORM_POST = {**CLUSTER_PLAN, "cluster_coordinator": BAD_REQUEST}
CLUSTER_UPLOAD_FORM_POST = {**CLUSTER_UPLOAD, "cluster_provider": BAD_REQUEST}
PROVIDER_FORM_POST = {**PROVIDER_WRITE, "cluster_provider": BAD_REQUEST}
# Provider pages are read by every logged-in user and edited only by the provider's own staff.
PROVIDER_GROUPS_POST = expect(FORBIDDEN, cluster_provider=BAD_REQUEST)
# Pages that only read answer a POST with 405 (require_GET), for everyone logged in.
GET_ONLY_POST = expect(NOT_ALLOWED)
API_ALL = expect(OK, anonymous=UNAUTHORIZED)
API_CLUSTER = {**CLUSTER_READ, "anonymous": UNAUTHORIZED}


def cluster(w: World) -> dict:
    return {"slug": build_cluster_world(w).cluster.slug}


def meeting(w: World) -> dict:
    return {"meeting_uuid": build_cluster_world(w).meeting.uuid}


def follow_up(w: World) -> dict:
    return {"meeting_uuid": build_cluster_world(w).follow_up.uuid}


def goal(w: World) -> dict:
    cw = build_cluster_world(w)
    item = MeetingGoal.objects.create(meeting=cw.meeting, level="cluster", text="Matrix")
    return {"meeting_uuid": cw.meeting.uuid, "goal_uuid": item.uuid}


def member(w: World) -> dict:
    """The cluster member's own membership (a real row; the matrix's POST to it is an empty form)."""
    cw = build_cluster_world(w)
    membership = ClusterMembership.objects.get(cluster=cw.cluster, user=cw.member)
    return {"slug": cw.cluster.slug, "membership_uuid": membership.uuid}


def fresh_member(w: World) -> dict:
    """A new member for each role, so the coordinator's permitted removal takes nobody from the next role."""
    cw = build_cluster_world(w)
    person = make_user(f"matrix-member-{uuid.uuid4().hex[:12]}")
    membership = services.cluster_membership_add(
        cluster=cw.cluster,
        member=person,
        role=ClusterMembership.Role.MEMBER,
        practice=cw.practices[2],
        user=cw.coordinator,
    )
    return {"slug": cw.cluster.slug, "membership_uuid": membership.uuid}


def package(w: World) -> dict:
    return {"slug": build_cluster_world(w).package.slug}


def provider(w: World) -> dict:
    return {"slug": build_cluster_world(w).provider.slug}


def get_only(kwargs, expected: dict[str, int]) -> list[Rule]:
    """A page that only reads (require_GET): the GET as `expected`, a POST refused with 405."""
    return [
        Rule(kwargs=kwargs, expected=expected),
        Rule(kwargs=kwargs, method="post", expected=GET_ONLY_POST),
    ]


def form(kwargs, expected: dict[str, int], post: dict[str, int]) -> list[Rule]:
    """A GET+POST form page: the GET, and an empty POST (nothing is written)."""
    return [Rule(kwargs=kwargs, expected=expected), Rule(kwargs=kwargs, method="post", expected=post)]


def no_kwargs(w: World) -> dict:
    return {}


CLUSTER_RULES: dict[str, Rule | list[Rule]] = {
    "clusters:home": get_only(no_kwargs, LOGGED_IN),
    "clusters:extract-template": get_only(no_kwargs, LOGGED_IN),
    "clusters:cluster-detail": get_only(cluster, CLUSTER_READ),
    "clusters:meeting-create": form(cluster, CLUSTER_PLAN, CLUSTER_PLAN_FORM_POST),
    # Who belongs: the coordinator only (staff names the first coordinator in the admin).
    "clusters:cluster-members": form(cluster, CLUSTER_PLAN, CLUSTER_PLAN_FORM_POST),
    "clusters:cluster-member-edit": form(member, CLUSTER_PLAN, CLUSTER_PLAN_FORM_POST),
    "clusters:cluster-member-remove": [
        Rule(kwargs=fresh_member, method="post", per_role=True, expected=CLUSTER_PLAN_POST),
        Rule(kwargs=member, expected=expect(NOT_ALLOWED)),
    ],
    "clusters:meeting-detail": get_only(meeting, CLUSTER_READ),
    "clusters:meeting-edit": form(meeting, CLUSTER_PLAN, CLUSTER_PLAN_FORM_POST),
    "clusters:meeting-extract-requested": Rule(kwargs=follow_up, method="post", expected=CLUSTER_PLAN_POST),
    "clusters:extract-upload": form(follow_up, CLUSTER_UPLOAD, CLUSTER_UPLOAD_FORM_POST),
    "clusters:meeting-data": get_only(meeting, CLUSTER_READ),
    "clusters:meeting-report": get_only(meeting, CLUSTER_READ),
    "clusters:meeting-followup": get_only(follow_up, CLUSTER_READ),
    "clusters:meeting-discussion": form(meeting, INSIDE_READ, GOAL_POST),
    "clusters:goal-add": Rule(kwargs=meeting, method="post", expected=GOAL_POST),
    "clusters:goal-delete": Rule(kwargs=goal, method="post", expected=GOAL_DELETE),
    "clusters:package-detail": get_only(package, LOGGED_IN),
    "clusters:package-edit": form(package, PROVIDER_WRITE, PROVIDER_FORM_POST),
    "clusters:package-create": form(provider, PROVIDER_WRITE, PROVIDER_FORM_POST),
    "clusters:provider-groups": form(provider, LOGGED_IN, PROVIDER_GROUPS_POST),
    "api-v1:cluster-list": Rule(expected=API_ALL),
    "api-v1:cluster-detail": Rule(kwargs=cluster, expected=API_CLUSTER),
    "api-v1:cluster-indicators": Rule(kwargs=cluster, expected=API_CLUSTER),
    "api-v1:cluster-package-list": Rule(expected=API_ALL),
    "api-v1:cluster-package-detail": Rule(kwargs=package, expected=API_ALL),
    "api-v1:cluster-meeting-list": Rule(expected=API_ALL),
    "api-v1:cluster-meeting-detail": Rule(
        kwargs=lambda w: {"uuid": build_cluster_world(w).meeting.uuid}, expected=API_CLUSTER
    ),
}
