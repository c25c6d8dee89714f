"""The shared small world the tests build on.

One network ("LKT Test") with two teams in different regions, a second network for outsiders, one
published indicator with a denominator and 24 months of data for team A, and one user per role.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, AnonymousUser

from measures.models import Goal, Indicator, Measurement, PublicationStatus
from measures.services.definitions import indicator_publish
from teams.models import Network, NetworkMembership, Organisation, Team, TeamMembership

User = get_user_model()


@dataclass
class World:
    hovedstaden: Organisation
    midtjylland: Organisation
    hospital_a: Organisation
    hospital_b: Organisation
    network: Network
    other_network: Network
    team_a: Team
    team_b: Team
    other_team: Team
    goal: Goal
    indicator: Indicator
    count_indicator: Indicator
    staff: AbstractUser
    national_lead: AbstractUser
    coordinator: AbstractUser  # Region Hovedstaden: sees team A, not team B
    expert: AbstractUser
    observer: AbstractUser  # leader of hospital A
    team_lead: AbstractUser  # team A
    data_entry: AbstractUser  # team A
    viewer: AbstractUser  # team A
    other_team_member: AbstractUser  # data entry in team B
    outsider: AbstractUser  # team member in another network only
    stranger: AbstractUser  # belongs to nothing

    @property
    def months(self) -> list[date]:
        return [month(2024, 1 + i) for i in range(24)]


def month(year: int, month_number: int) -> date:
    """Day 1 of a month; month_number may run past 12."""
    year += (month_number - 1) // 12
    return date(year, (month_number - 1) % 12 + 1, 1)


def make_user(username: str, **extra) -> AbstractUser:
    return User.objects.create_user(username=username, password="test-password-123", **extra)


def publish(indicator: Indicator, user: User | AnonymousUser) -> Indicator:
    """Publish an indicator's current definition as version 1, through the service as the app does.

    The world's indicators were published at the network's kick-off, so they are due from its first
    month (publishing today would make them due from this month only).
    """
    from datetime import datetime

    from django.utils import timezone

    start = indicator.network.first_period
    indicator_publish(
        indicator=indicator,
        user=user,
        published_at=timezone.make_aware(datetime(start.year, start.month, start.day, 12)),
    )
    indicator.refresh_from_db()
    return indicator


def build_world() -> World:
    hovedstaden = Organisation.objects.create(
        name="Region Hovedstaden", kind=Organisation.Kind.REGION, sector="region"
    )
    hovedstaden.region = hovedstaden
    hovedstaden.save()
    midtjylland = Organisation.objects.create(
        name="Region Midtjylland", kind=Organisation.Kind.REGION, sector="region"
    )
    midtjylland.region = midtjylland
    midtjylland.save()
    hospital_a = Organisation.objects.create(
        name="Testhospital Nord",
        kind=Organisation.Kind.HOSPITAL,
        sector="region",
        parent=hovedstaden,
        region=hovedstaden,
    )
    dept_a = Organisation.objects.create(
        name="Medicinsk afdeling",
        kind=Organisation.Kind.DEPARTMENT,
        sector="region",
        parent=hospital_a,
        region=hovedstaden,
    )
    hospital_b = Organisation.objects.create(
        name="Testhospital Vest",
        kind=Organisation.Kind.HOSPITAL,
        sector="region",
        parent=midtjylland,
        region=midtjylland,
    )

    network = Network.objects.create(
        slug="lkt-test",
        name="LKT Test",
        topic="Rationel brug af antibiotika",
        status=Network.Status.ACTIVE,
        lead_region=hovedstaden,
        start_date=date(2024, 1, 1),
        # Extended for sustain and spread, so the world is still running whatever today is.
        end_date=date(2030, 12, 31),
        peer_visibility=Network.PeerVisibility.ANONYMISED,
    )
    other_network = Network.objects.create(
        slug="lkt-andet",
        name="LKT Andet",
        topic="Hoftebrud",
        status=Network.Status.ACTIVE,
        lead_region=midtjylland,
        start_date=date(2024, 1, 1),
        end_date=date(2030, 12, 31),
    )
    team_a = Team.objects.create(
        network=network, code="team-a", name="Medicinsk afdeling, Testhospital Nord", region=hovedstaden
    )
    team_a.organisations.add(dept_a)
    team_b = Team.objects.create(
        network=network, code="team-b", name="Akutafdelingen, Testhospital Vest", region=midtjylland
    )
    team_b.organisations.add(hospital_b)
    other_team = Team.objects.create(
        network=other_network, code="other", name="Ortopædkirurgisk team", region=midtjylland
    )

    staff = make_user("staff", is_staff=True, is_superuser=True)
    national_lead = make_user("national-lead")
    coordinator = make_user("coordinator")
    expert = make_user("expert")
    observer = make_user("observer")
    team_lead = make_user("team-lead", email="team-lead@example.org")
    data_entry = make_user("data-entry", email="data-entry@example.org")
    viewer = make_user("viewer")
    other_team_member = make_user("other-team-member", email="b@example.org")
    outsider = make_user("outsider")
    stranger = make_user("stranger")

    goal = Goal.objects.create(
        network=network,
        number=1,
        title="Reduktion af det samlede antibiotikaforbrug",
        status=PublicationStatus.PUBLISHED,
    )
    indicator = publish(
        Indicator.objects.create(
            network=network,
            goal=goal,
            code="ddd",
            name="DDD pr. 100 sengedage",
            numerator_definition="Antal DDD",
            denominator_definition="Antal sengedage",
            unit="DDD pr. 100 sengedage",
            multiplier=Decimal("100"),
            direction=Indicator.Direction.DOWN,
            chart_type=Indicator.ChartType.RUN,
            order=1,
        ),
        expert,
    )
    count_indicator = publish(
        Indicator.objects.create(
            network=network,
            goal=goal,
            code="reassessed",
            name="Andel revurderet inden for 48 timer",
            numerator_definition="Antal patienter revurderet inden for 48 timer",
            denominator_definition="Antal patienter i antibiotikabehandling",
            unit="%",
            multiplier=Decimal("100"),
            direction=Indicator.Direction.UP,
            chart_type=Indicator.ChartType.P,
            whole_numbers=True,
            order=2,
        ),
        expert,
    )

    NetworkMembership.objects.create(
        network=network, user=national_lead, role=NetworkMembership.Role.NATIONAL_LEAD
    )
    NetworkMembership.objects.create(
        network=network, user=coordinator, role=NetworkMembership.Role.COORDINATOR, region=hovedstaden
    )
    NetworkMembership.objects.create(
        network=network, user=expert, role=NetworkMembership.Role.EXPERT, expert_role="clinical"
    )
    NetworkMembership.objects.create(
        network=network, user=observer, role=NetworkMembership.Role.OBSERVER, organisation=hospital_a
    )
    TeamMembership.objects.create(team=team_a, user=team_lead, role=TeamMembership.Role.TEAM_LEAD)
    TeamMembership.objects.create(team=team_a, user=data_entry, role=TeamMembership.Role.DATA_ENTRY)
    TeamMembership.objects.create(team=team_a, user=viewer, role=TeamMembership.Role.VIEWER)
    TeamMembership.objects.create(team=team_b, user=other_team_member, role=TeamMembership.Role.DATA_ENTRY)
    TeamMembership.objects.create(team=other_team, user=outsider, role=TeamMembership.Role.DATA_ENTRY)

    world = World(
        hovedstaden=hovedstaden,
        midtjylland=midtjylland,
        hospital_a=hospital_a,
        hospital_b=hospital_b,
        network=network,
        other_network=other_network,
        team_a=team_a,
        team_b=team_b,
        other_team=other_team,
        goal=goal,
        indicator=indicator,
        count_indicator=count_indicator,
        staff=staff,
        national_lead=national_lead,
        coordinator=coordinator,
        expert=expert,
        observer=observer,
        team_lead=team_lead,
        data_entry=data_entry,
        viewer=viewer,
        other_team_member=other_team_member,
        outsider=outsider,
        stranger=stranger,
    )
    # 24 months of DDD for team A: a level around 60, dropping to about 48 after month 12.
    levels = [61, 59, 63, 60, 58, 62, 61, 60, 64, 59, 62, 60, 50, 48, 49, 47, 51, 46, 48, 47, 49, 45, 48, 47]
    Measurement.objects.bulk_create(
        Measurement(
            team=team_a,
            indicator=indicator,
            period=period,
            numerator=Decimal(level * 10),
            denominator=Decimal("1000"),
            indicator_version=1,
            entered_by=data_entry,
        )
        for period, level in zip(world.months, levels, strict=True)
    )
    return world
