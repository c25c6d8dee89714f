"""A small GP cluster on top of the shared world (tests/base.py), built through the real services.

Cluster "Testklynge" in Region Hovedstaden, followed by the world's LKT: four practices with two
prescribers each; the coordinator is the first prescriber of practice 1, the member ("doctor") the first
prescriber of practice 2; a pharmacist at the provider; a doctor of another cluster. One meeting held,
with an extract of 14 months (Jan 2024 - Feb 2025), and a follow-up.
"""

from dataclasses import dataclass
from datetime import date

from clusters import services
from clusters.models import (
    Cluster,
    ClusterMembership,
    Meeting,
    Package,
    PackageItem,
    Practice,
    Prescriber,
    Provider,
    ProviderMembership,
)
from clusters.upload import ExtractLine, ParsedExtract
from tests.base import World, make_user

PRACTICES = [
    ("100001", "Lægerne Nordby", 3000),
    ("100002", "Sydby Lægehus", 2000),
    ("100003", "Østby Lægecenter", 4000),
    ("100004", "Vestby Praksis", 2500),
]
DOCTOR_NAMES = [
    ("Nora Nordlund", "Niels Nordmann"),
    ("Sara Sydlund", "Svend Sydmann"),
    ("Østen Østergård", "Ølse Østmann"),
    ("Vera Vestlund", "Viggo Vestmann"),
]
# (ATC, prescriptions per 1,000 listed per month for the first prescriber)
CODES = [("J01CE02", 10), ("J01CA04", 6), ("J01MA02", 2)]


@dataclass
class ClusterWorld:
    cluster: Cluster
    other_cluster: Cluster
    provider: Provider
    package: Package
    meeting: Meeting
    follow_up: Meeting
    practices: list[Practice]
    prescribers: list[Prescriber]
    coordinator: object
    member: object
    pharmacist: object
    other_member: object


def months(first: date, count: int) -> list[date]:
    out = []
    for i in range(count):
        index = first.year * 12 + first.month - 1 + i
        out.append(date(index // 12, index % 12 + 1, 1))
    return out


def extract_lines(periods: list[date], *, after: date | None = None) -> list[ExtractLine]:
    """Deterministic lines: practice i's doctors prescribe in proportion; critical falls after `after`."""
    lines = []
    for p_index, (code, name, listed) in enumerate(PRACTICES):
        for period in periods:
            totals: dict[str, int] = {}
            for d_index, doctor in enumerate(DOCTOR_NAMES[p_index]):
                for atc, per_1000 in CODES:
                    count = int(listed / 1000 * per_1000 * (1 + 0.2 * p_index) * (0.5 if d_index else 1))
                    if after and period > after and atc == "J01MA02":
                        count = count // 2
                    totals[atc] = totals.get(atc, 0) + count
                    lines.append(
                        ExtractLine(
                            0,
                            "prescriber",
                            code,
                            name,
                            f"{code}-{d_index + 1}",
                            doctor,
                            period,
                            1,
                            atc,
                            count,
                            None,
                            None,
                        )
                    )
            for atc, count in totals.items():
                lines.append(
                    ExtractLine(0, "practice", code, name, "", "", period, 1, atc, count, None, listed)
                )
    for period in periods:
        for scope, population in (("region", 1_800_000), ("country", 5_900_000)):
            for atc, per_1000 in CODES:
                lines.append(
                    ExtractLine(
                        0,
                        scope,
                        "",
                        "",
                        "",
                        "",
                        period,
                        1,
                        atc,
                        int(population / 1000 * per_1000),
                        None,
                        population,
                    )
                )
    return lines


def build_cluster_world(world: World) -> ClusterWorld:
    cached = getattr(world, "_cluster_world", None)
    if cached is not None:
        return cached
    coordinator = make_user(
        "cluster-coordinator", email="koordinator@example.org", first_name="Nora", last_name="Nordlund"
    )
    member = make_user("cluster-member", first_name="Sara", last_name="Sydlund")
    pharmacist = make_user("cluster-provider", first_name="Frida", last_name="Farmaceut")
    other_member = make_user("other-cluster-member")
    provider = Provider.objects.create(
        slug="lmu-test", name="Lægemiddelenheden Test", region=world.hovedstaden
    )
    ProviderMembership.objects.create(provider=provider, user=pharmacist, title="Farmaceut")
    services.antibiotic_groups_ensure_defaults(provider=provider)
    package = services.package_save(
        package=Package(provider=provider, slug="antibiotika-test"),
        fields={
            "title": "Antibiotika – test",
            "is_published": True,
            "goal_levels": ["cluster", "practice", "prescriber", "patient"],
            "contact_email": "lmu@example.org",
        },
        items={
            PackageItem.Kind.QUESTION: [
                {"text": "Hvilke tanker har diskussionen sat i gang?"},
                {"text": "Hvad tager I med hjem til praksis?"},
            ]
        },
        version=None,
        user=pharmacist,
    )
    cluster = Cluster.objects.create(
        slug="testklynge", name="Testklynge", region=world.hovedstaden, network=world.network
    )
    other_cluster = Cluster.objects.create(slug="andenklynge", name="Anden klynge", region=world.midtjylland)
    meeting = services.meeting_create(
        cluster=cluster, package=package, day=date(2025, 3, 20), place="Nordby", user=coordinator
    )
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.HELD)
    meeting.refresh_from_db()
    services.extract_import(
        cluster=cluster,
        meeting=meeting,
        parsed=ParsedExtract(lines=extract_lines(months(date(2024, 1, 1), 14)), granularity="month"),
        filename="test.csv",
        user=pharmacist,
    )
    follow_up = services.meeting_create(
        cluster=cluster,
        package=package,
        day=date(2025, 10, 1),
        kind=Meeting.Kind.FOLLOW_UP,
        follows=meeting,
        user=coordinator,
    )
    services.extract_import(
        cluster=cluster,
        meeting=follow_up,
        parsed=ParsedExtract(
            lines=extract_lines(months(date(2024, 4, 1), 18), after=date(2025, 3, 1)), granularity="month"
        ),
        filename="test2.csv",
        user=pharmacist,
    )
    practices = list(Practice.objects.filter(cluster=cluster).order_by("code"))
    prescribers = list(Prescriber.objects.filter(practice__cluster=cluster).order_by("code"))
    by_code = {p.code: p for p in prescribers}
    for user, code, role, practice in (
        (coordinator, "100001-1", ClusterMembership.Role.COORDINATOR, practices[0]),
        (member, "100002-1", ClusterMembership.Role.MEMBER, practices[1]),
    ):
        by_code[code].user = user
        by_code[code].save()
        ClusterMembership.objects.create(cluster=cluster, user=user, role=role, practice=practice)
    ClusterMembership.objects.create(
        cluster=other_cluster, user=other_member, role=ClusterMembership.Role.MEMBER
    )
    result = ClusterWorld(
        cluster,
        other_cluster,
        provider,
        package,
        meeting,
        follow_up,
        practices,
        prescribers,
        coordinator,
        member,
        pharmacist,
        other_member,
    )
    world._cluster_world = result
    return result
