"""`manage.py load_demo`: what it builds, that a second run changes nothing, and the demo logins."""

import csv
import statistics
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import transaction

from demo import antibiotika_data
from demo.infections import DATA_FILE
from measures.models import (
    ChartResult,
    ChartSettings,
    DriverDiagram,
    DriverNode,
    ExcludedPoint,
    Indicator,
    IndicatorVersion,
    Measurement,
    MonthCompletion,
    PDSACycle,
    PhaseBreak,
    PublicationStatus,
)
from seminars.models import Attendance, LearningObjective, Registration, Seminar
from teams.access import get_network_for_user, get_team_for_user
from teams.models import Network, Organisation, Team

pytestmark = pytest.mark.django_db

User = get_user_model()


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker):
    """Load the demo once for the module (it takes seconds) and roll it back afterwards.

    Each test still runs in its own savepoint (the django_db mark), so no test sees another's writes.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


def visible(user: User | AnonymousUser) -> set[str]:
    return set(Team.objects.visible_to(user).values_list("code", flat=True))


def test_it_builds_the_three_networks_with_their_teams(demo_output):
    assert "demo-coordinator" in demo_output

    networks = {n.slug: n for n in Network.objects.all()}
    assert set(networks) == {"lkt-antibiotika", "lkt-hoftebrud", "lkt-infektioner"}
    antibiotics = networks["lkt-antibiotika"]
    assert antibiotics.status == Network.Status.ACTIVE
    assert antibiotics.lead_region.name == "Region Hovedstaden"
    assert antibiotics.peer_visibility == Network.PeerVisibility.ANONYMISED
    assert antibiotics.teams.count() == 24
    assert antibiotics.teams.values("region").distinct().count() == 5

    hip = networks["lkt-hoftebrud"]
    assert (hip.status, hip.lead_region.name, hip.co_lead) == (
        Network.Status.PREPARATION,
        "Region Syddanmark",
        "KL",
    )
    for team in hip.teams.all():
        kinds = sorted(team.organisations.values_list("kind", flat=True))
        assert team.is_cross_sector
        assert kinds[0] == Organisation.Kind.DEPARTMENT
        assert kinds.count(Organisation.Kind.MUNICIPALITY) >= 1

    infections = networks["lkt-infektioner"]
    assert sorted(infections.teams.values_list("code", flat=True)) == [
        "ahh",
        "bfh",
        "boh",
        "hgh",
        "noh",
        "rgh",
    ]


def test_every_organisation_has_a_region_and_regions_point_to_themselves(demo_output):
    assert not Organisation.objects.filter(region__isnull=True).exists()
    regions = Organisation.objects.filter(kind=Organisation.Kind.REGION)
    assert regions.count() == 5
    assert all(region.region_id == region.id for region in regions)
    for organisation in Organisation.objects.exclude(kind=Organisation.Kind.REGION).select_related("parent"):
        assert organisation.parent.region_id == organisation.region_id


def test_antibiotika_has_goals_published_indicators_and_one_draft(demo_output):
    network = Network.objects.get(slug="lkt-antibiotika")
    goals = list(network.goals.order_by("number"))
    assert [goal.number for goal in goals] == [1, 2, 3]
    assert [goal.is_balancing for goal in goals] == [False, False, True]

    published = network.indicators.filter(status=PublicationStatus.PUBLISHED)
    assert published.count() >= 5
    for indicator in published:
        assert indicator.version == 1
        assert indicator.numerator_definition and indicator.definition
        version = IndicatorVersion.objects.get(indicator=indicator, version=1)
        assert version.published_by is not None
    ddd = network.indicators.get(code="ddd")
    assert (ddd.multiplier, ddd.direction, ddd.chart_type) == (Decimal("100"), "down", "run")
    assert network.indicators.get(code="mortalitet-bakteriaemi").kind == Indicator.Kind.BALANCING
    assert network.indicators.get(code="revurderet-48t").whole_numbers

    draft = network.indicators.get(status=PublicationStatus.DRAFT)
    assert draft.version == 0
    assert not draft.versions.exists()
    assert not draft.measurements.exists()


def test_antibiotika_has_30_months_of_data_with_gaps(demo_output):
    network = Network.objects.get(slug="lkt-antibiotika")
    measurements = Measurement.objects.filter(team__network=network)
    periods = sorted(set(measurements.values_list("period", flat=True)))
    assert len(periods) == 30
    assert periods[0] == network.first_period
    today = date.today()
    last_month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    assert periods[-1] == last_month

    full = 24 * 5 * 30
    assert full - 40 < measurements.count() < full  # a few absent months, not many
    assert measurements.filter(nothing_to_report=True, numerator__isnull=True).count() == 1
    assert measurements.filter(needs_checking=True).exclude(comment="").count() >= 3
    # Every row is entered under the indicator's published version, by someone who may enter data.
    assert set(measurements.values_list("indicator_version", flat=True)) == {1}
    assert not measurements.filter(entered_by__isnull=True).exists()
    # DDD are fractional with at most two decimals; counts are whole.
    ddd = measurements.filter(indicator__code="ddd").exclude(numerator__isnull=True)
    assert any(m.numerator != m.numerator.to_integral_value() for m in ddd[:50])
    assert all(m.numerator == m.numerator.quantize(Decimal("0.01")) for m in ddd)
    whole = measurements.filter(indicator__whole_numbers=True).exclude(numerator__isnull=True)
    assert all(m.numerator == m.numerator.to_integral_value() for m in whole)
    assert all(m.denominator == m.denominator.to_integral_value() for m in whole)
    # Every write path leaves history, the bulk load included.
    assert Measurement.history.filter(team_id__in=network.teams.values("id")).count() == measurements.count()


def test_improving_teams_shift_and_the_others_do_not(demo_output):
    network = Network.objects.get(slug="lkt-antibiotika")
    ddd = network.indicators.get(code="ddd")

    def medians(code: str, change: int) -> tuple[float, float]:
        values = [
            float(m.value)
            for m in Measurement.objects.filter(team__code=code, indicator=ddd)
            .select_related("indicator")
            .order_by("period")
        ]
        return statistics.median(values[:change]), statistics.median(values[change:])

    improving = [spec for spec in antibiotika_data.TEAMS if spec.change_month is not None]
    stable = [spec for spec in antibiotika_data.TEAMS if spec.change_month is None]
    assert 6 <= len(improving) <= 18
    for spec in improving:
        before, after = medians(spec.code, spec.change_month)
        assert after < before * 0.92, spec.code
    for spec in stable:
        before, after = medians(spec.code, 15)
        assert abs(after - before) < before * 0.08, spec.code


def test_improvement_work_is_recorded(demo_output):
    network = Network.objects.get(slug="lkt-antibiotika")
    template = DriverDiagram.objects.get(network=network, team=None)
    primary = template.nodes.filter(kind=DriverNode.Kind.PRIMARY).order_by("order")
    assert [node.code for node in primary] == ["A", "B", "C", "D"]
    assert template.nodes.get(kind=DriverNode.Kind.AIM).goals.count() == 3
    assert all(node.indicators.exists() for node in primary)
    assert template.nodes.filter(kind=DriverNode.Kind.CHANGE_IDEA).count() >= 8

    copies = DriverDiagram.objects.filter(network=network, team__isnull=False)
    assert copies.count() >= 6
    assert all(copy.copied_from_id == template.id for copy in copies)
    template_count = template.nodes.count()
    assert {copy.nodes.count() for copy in copies} != {template_count}  # some teams adapted theirs
    renamed = copies.get(team__code="bfh-med").nodes.get(code="C1.1")
    assert renamed.text != template.nodes.get(code="C1.1").text

    cycles = PDSACycle.objects.filter(team__network=network)
    assert cycles.count() >= 20
    assert {c.decision for c in cycles} >= {"adopt", "adapt", "abandon"}
    assert cycles.filter(status=PDSACycle.Status.RUNNING).exists()
    for cycle in cycles.select_related("change_idea__diagram"):
        assert cycle.change_idea.diagram.team_id == cycle.team_id
        assert cycle.indicators.exists()
    assert ChartSettings.objects.filter(team__network=network, baseline_end__isnull=False).exists()
    assert PhaseBreak.objects.filter(team__network=network).exists()
    assert ExcludedPoint.objects.filter(team__network=network).exclude(reason="").exists()
    assert network.teams.filter(local_targets__isnull=False).distinct().count() >= 6
    assert network.teams.filter(annotations__isnull=False).distinct().count() >= 6
    completions = MonthCompletion.objects.filter(team__network=network).count()
    assert 24 * 25 < completions < 24 * 30


def test_seminars_have_purposes_objectives_and_participants(demo_output):
    network = Network.objects.get(slug="lkt-antibiotika")
    seminars = list(network.seminars.order_by("starts_at"))
    kinds = [(s.kind, s.number) for s in seminars]
    assert kinds.count((Seminar.Kind.WEBINAR, 1)) + kinds.count((Seminar.Kind.WEBINAR, 2)) == 2
    assert {("leadership", 1), ("learning", 1), ("learning", 2), ("learning", 3), ("closing", 1)} <= set(
        kinds
    )
    assert seminars[0].kind == Seminar.Kind.LEADERSHIP
    assert seminars[-1].kind == Seminar.Kind.CLOSING
    for seminar in seminars:
        assert seminar.purposes.exists() and seminar.learning_objectives.exists()
        assert seminar.programme.exists()
        assert seminar.place or seminar.online_url
    closing = seminars[-1]
    assert set(closing.learning_objectives.values_list("audience", flat=True)) == {"teams", "leaders"}
    first = LearningObjective.objects.filter(seminar__kind="learning", seminar__number=1).order_by("order")
    assert first.first().text.startswith("Deltagerne forstår indholdet")

    past = [s for s in seminars if s.starts_at.date() < date.today()]
    assert len(past) >= 5
    for seminar in past:
        assert Attendance.objects.filter(seminar=seminar).exists()
    assert Attendance.objects.filter(seminar__network=network, team__isnull=False).exists()
    assert Registration.objects.filter(seminar=closing).exists()
    assert not Attendance.objects.filter(seminar=closing).exists()


def test_the_infection_network_holds_the_file_exactly(demo_output):
    network = Network.objects.get(slug="lkt-infektioner")
    indicators = network.indicators.all()
    assert sorted(indicators.values_list("code", flat=True)) == ["bac", "cdi", "uti"]
    for indicator in indicators:
        assert (indicator.chart_type, indicator.multiplier, indicator.direction) == (
            "u",
            Decimal("10000"),
            "down",
        )
        assert indicator.is_published
    with DATA_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    stored = {
        (m.team.code, m.indicator.code, m.period.isoformat()): m
        for m in Measurement.objects.filter(team__network=network).select_related("team", "indicator")
    }
    assert len(stored) == len(rows) == 6 * 3 * 24
    for row in rows:
        m = stored[(row["hospital"].lower(), row["infection"].lower(), row["month"])]
        assert m.numerator == Decimal(row["n"])
        assert m.denominator == Decimal(row["days"]).quantize(Decimal("0.0001"))


def test_every_series_with_data_has_a_chart_result(demo_output):
    series = set(Measurement.objects.values_list("team_id", "indicator_id").distinct())
    charted = set(
        ChartResult.objects.filter(scope=ChartResult.Scope.TEAM).values_list("team_id", "indicator_id")
    )
    assert series == charted
    # Computed right away, so the dashboards have results without waiting for the sweep.
    assert not ChartResult.objects.filter(is_stale=True).exists()
    assert ChartResult.objects.filter(scope=ChartResult.Scope.TEAM, variation="improvement").exists()
    assert ChartResult.objects.filter(scope=ChartResult.Scope.NATIONAL).count() == 5 + 3


def snapshot() -> dict[str, list]:
    """Every row of every table (history included) that the demo could touch."""
    labels = {"teams", "measures", "seminars", "auth"}
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label in labels
    }


def test_running_it_twice_changes_nothing_and_adds_no_history(demo_output):
    before = snapshot()
    output = load_demo()
    after = snapshot()
    assert "intet ændret" in output
    for label, rows in before.items():
        assert len(after[label]) == len(rows), label
        assert after[label] == rows, label
    assert len(before["measures.HistoricalMeasurement"]) > 4000


def test_demo_logins_have_the_password_demo_and_their_roles(demo_output):
    for username in [
        "demo-admin",
        "demo-lead",
        "demo-coordinator",
        "demo-expert",
        "demo-leader",
        "demo-team",
        "demo-viewer",
        "demo-other",
    ]:
        user = User.objects.get(username=username)
        assert user.check_password("demo"), username
        assert user.first_name and user.email.endswith("@example.dk")
    users = {u.username: u for u in User.objects.filter(username__startswith="demo-")}
    antibiotics = Network.objects.get(slug="lkt-antibiotika")
    all_antibiotics = set(antibiotics.teams.values_list("code", flat=True))

    admin = users["demo-admin"]
    assert admin.is_staff and admin.is_superuser
    assert visible(admin) == set(Team.objects.values_list("code", flat=True))

    assert get_network_for_user(users["demo-lead"], "lkt-antibiotika").is_national_lead
    assert all_antibiotics <= visible(users["demo-lead"])
    assert get_network_for_user(users["demo-expert"], "lkt-antibiotika").can_edit_content
    assert all_antibiotics <= visible(users["demo-expert"])

    coordinated = visible(users["demo-coordinator"]) & all_antibiotics
    hovedstaden = set(
        antibiotics.teams.filter(region__name="Region Hovedstaden").values_list("code", flat=True)
    )
    assert coordinated == hovedstaden and len(hovedstaden) == 6

    assert visible(users["demo-leader"]) == {"bfh-med", "bfh-akut"}
    assert get_network_for_user(users["demo-leader"], "lkt-antibiotika").sees_all_team_names

    team = Team.objects.get(network=antibiotics, code="bfh-med")
    lead_access = get_team_for_user(users["demo-team"], team.uuid)
    assert lead_access.can_enter_data and lead_access.can_lead
    viewer_access = get_team_for_user(users["demo-viewer"], team.uuid)
    assert not viewer_access.can_enter_data and not viewer_access.can_lead
    assert visible(users["demo-team"]) == visible(users["demo-viewer"]) == {"bfh-med"}

    other = users["demo-other"]
    other_team = Team.objects.get(network=antibiotics, code="auh-inf")
    assert visible(other) == {"auh-inf"}
    assert other_team.region.name != "Region Hovedstaden"
    other_access = get_team_for_user(other, other_team.uuid)
    assert other_access.can_enter_data and not other_access.can_lead


def test_the_closed_infection_network_is_closed_and_never_overdue(demo_output):
    from measures.selectors.entry import network_overdue_teams, team_completeness
    from measures.services.entry_reminders import teams_not_reported

    network = Network.objects.get(slug="lkt-infektioner")
    assert network.status == Network.Status.CLOSED
    assert (network.first_period, network.last_period) == (date(2015, 1, 1), date(2016, 12, 1))
    assert network_overdue_teams(network=network, teams=Team.objects.all()) == []
    for team in network.teams.all():
        status = team_completeness(team=team)
        assert status.late_months == [] and status.open_months == []
        # The run's months are still there to read and correct.
        assert status.months[-1].period == date(2014, 1, 1) and status.months[0].period == date(2016, 12, 1)
    assert not teams_not_reported(network=network, period=date(2016, 12, 1)).exists()


def test_the_hip_fracture_network_in_preparation_shows_no_overdue_months(demo_output):
    from measures.selectors.entry import network_overdue_teams, team_completeness

    network = Network.objects.get(slug="lkt-hoftebrud")
    assert network_overdue_teams(network=network, teams=Team.objects.all()) == []
    for team in network.teams.all():
        status = team_completeness(team=team)
        assert status.late_months == [] and status.open_months == []


def test_the_demo_home_pages_show_no_false_alarms(demo_output, client):
    from measures.selectors.entry import network_overdue_teams

    antibiotics = Network.objects.get(slug="lkt-antibiotika")
    # The active network does have late teams (the demo data has gaps); the other two never.
    assert network_overdue_teams(network=antibiotics, teams=Team.objects.all())
    client.force_login(User.objects.get(username="demo-lead"))
    html = client.get("/lkt/lkt-infektioner/datakomplethed/").content.decode()
    assert "LKT'et er afsluttet" in html and "Måneder for sent" not in html
    client.force_login(User.objects.get(username="demo-admin"))
    html = client.get("/lkt/lkt-hoftebrud/datakomplethed/").content.decode()
    assert "under forberedelse" in html and "Måneder for sent" not in html


def test_the_gp_cluster_has_practices_prescribers_24_months_a_held_meeting_and_a_follow_up(demo_output):
    from clusters.access import cluster_access
    from clusters.models import Cluster, ExtractRow, Meeting, Package, PackageItem

    for username in ("demo-cluster", "demo-doctor", "demo-pharmacist"):
        assert username in demo_output
    cluster = Cluster.objects.get(slug="klynge-koege-bugt")
    assert 8 <= cluster.practices.count() <= 12
    prescribers = [p for practice in cluster.practices.all() for p in practice.prescribers.all()]
    assert 25 <= len(prescribers) <= 40
    first = Meeting.objects.get(cluster=cluster, kind=Meeting.Kind.FIRST)
    follow_up = Meeting.objects.get(cluster=cluster, kind=Meeting.Kind.FOLLOW_UP)
    assert first.status == Meeting.Status.HELD and follow_up.status == Meeting.Status.PLANNED
    from teams.models import add_months

    assert follow_up.follows == first and follow_up.date >= add_months(first.date, 6)
    assert first.goals.values("level").distinct().count() == 4
    assert first.answers.exclude(answer="").count() == 5
    for meeting in (first, follow_up):
        periods = (
            ExtractRow.objects.filter(extract__meeting=meeting, scope="practice")
            .values("period")
            .distinct()
            .count()
        )
        assert periods == 24
    # Winter above summer: the respiratory season shows in penicillin V.
    rows = ExtractRow.objects.filter(extract__meeting=follow_up, scope="region", atc_code="J01CE02")
    by_month = {row.period.month: row.prescriptions for row in rows}
    assert by_month[1] > by_month[7] * 1.3
    package = Package.objects.get(slug="antibiotika-rationel-farmakoterapi")
    assert package.items.filter(kind=PackageItem.Kind.QUESTION).count() == 5
    assert package.extract_lead_days == 60 and package.duration_minutes == 180
    doctor = User.objects.get(username="demo-doctor")
    coordinator = User.objects.get(username="demo-cluster")
    pharmacist = User.objects.get(username="demo-pharmacist")
    assert cluster_access(coordinator, cluster).is_coordinator
    assert cluster_access(doctor, cluster).is_member and cluster_access(doctor, cluster).own_prescriber_ids
    assert cluster_access(pharmacist, cluster).is_provider
    assert doctor.check_password("demo")
