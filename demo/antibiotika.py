"""LKT Antibiotika: 24 teams over the five regions, 30 months of data, some teams truly improving."""

from datetime import date, timedelta
from decimal import Decimal

from measures.models import Goal, Indicator, PublicationStatus
from measures.months import add_months
from teams.models import Network, NetworkMembership, Sector, Team, TeamMembership

from . import antibiotika_data, antibiotika_work, driver_diagram
from .antibiotika_data import DEMO_OTHER_TEAM, DEMO_TEAM, MONTHS, TEAMS
from .common import Summary, indicator_ensure, noon
from .organisations import Organisations
from .seminars import seminars_build
from .users import Person, Users, person

SLUG = "lkt-antibiotika"

PROFESSIONS = ["Overlæge", "Klinisk farmaceut", "Afdelingssygeplejerske", "Sygeplejerske", "Afdelingslæge"]

EXPERTS = [
    # (username, first, last, expert role, region name)
    ("ab-ekspert-formand", "Jens", "Kølle", NetworkMembership.ExpertRole.CHAIR, "Region Hovedstaden"),
    ("ab-ekspert-sjaelland", "Hanne", "Winther", NetworkMembership.ExpertRole.CLINICAL, "Region Sjælland"),
    ("ab-ekspert-syddanmark", "Peter", "Skov", NetworkMembership.ExpertRole.CLINICAL, "Region Syddanmark"),
    ("ab-ekspert-midtjylland", "Karin", "Juhl", NetworkMembership.ExpertRole.CLINICAL, "Region Midtjylland"),
    ("ab-ekspert-nordjylland", "Bo", "Krogh", NetworkMembership.ExpertRole.CLINICAL, "Region Nordjylland"),
    ("ab-ekspert-patient", "Inge", "Lauridsen", NetworkMembership.ExpertRole.PATIENT, ""),
    (
        "ab-ekspert-forbedring",
        "Maria",
        "Friis",
        NetworkMembership.ExpertRole.IMPROVEMENT,
        "Region Hovedstaden",
    ),
    ("ab-ekspert-data", "Anders", "Bøgh", NetworkMembership.ExpertRole.DATA, "Region Midtjylland"),
]
COORDINATORS = {
    "Region Sjælland": ("ab-tovholder-sjaelland", "Louise", "Storm"),
    "Region Syddanmark": ("ab-tovholder-syddanmark", "Rasmus", "Brandt"),
    "Region Midtjylland": ("ab-tovholder-midtjylland", "Camilla", "Lind"),
    "Region Nordjylland": ("ab-tovholder-nordjylland", "Niels", "Damgaard"),
}


def network_build(
    *, orgs: Organisations, users: Users, today: date, summary: Summary
) -> tuple[Network, set[tuple[int, int]]]:
    """The network and everything in it; returns the (team id, indicator id) pairs that got new data."""
    first_month = add_months(today.replace(day=1), -MONTHS)
    demo = users.demo_logins()
    network, created = Network.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "LKT Antibiotika",
            "topic": "Rationel brug af antibiotika",
            "status": Network.Status.ACTIVE,
            "lead_region": orgs.regions["Region Hovedstaden"],
            # The first learning seminar opened the network 30 months ago. It was extended beyond the usual
            # two years for sustain and spread, which keeps the demo active with 30 months of data.
            "start_date": first_month.replace(day=12),
            "end_date": add_months(first_month, 33),
            "purpose": (
                "Det overordnede mål for projektet er at sikre rationel anvendelse af antibiotika i "
                "hospitalssektoren med henblik på at optimere det kliniske behandlingsresultat for både "
                "nuværende og fremtidige patienter og samtidig minimere utilsigtede konsekvenser af "
                "antibiotikabehandling."
            ),
            "description": (
                "LKT Antibiotika er et nationalt lærings- og kvalitetsteam med fokus på at nedbringe forbruget af "
                "de antibiotikagrupper, der i særlig høj grad er associeret til resistensudvikling.\n\n"
                "Indsatsområder: A Indikation for anvendelse af antibiotika, B Valg af antibiotika, "
                "C Revurdering af behandling, D Behandlingsvarighed.\n\n"
                "LKT er et nationalt netværk, der skal sikre læring på tværs af landsdele. Netværket består af en "
                "national ekspertgruppe samt lokale forbedringsteams, som arbejder med kliniknære forbedringer "
                "inden for det konkrete område."
            ),
            "approved_on": add_months(first_month, -5).replace(day=14),
            "peer_visibility": Network.PeerVisibility.ANONYMISED,
        },
    )
    summary.add("LKT'er", int(created))
    first_month = network.first_period  # a rerun in a later month keeps the original timeline
    last_month = add_months(first_month, MONTHS - 1)
    published_at = noon(first_month - timedelta(days=20))

    goals, indicators = _goals_and_indicators(network, demo["demo-lead"], published_at, first_month)
    teams, members, writers = _teams(network, orgs, users, demo, summary)
    _network_roles(network, orgs, users, demo, summary)

    pairs = antibiotika_data.measurements_build(teams, writers, indicators, first_month, summary)
    antibiotika_data.month_completions_build(teams, members, indicators, first_month, last_month, summary)

    template = driver_diagram.template_build(
        network=network, goals=goals, indicators=indicators, summary=summary
    )
    adaptations = {
        "bfh-med": driver_diagram.Adaptation(
            rename={"C1.1": "Antibiotika-time-out på stuegang dag 2 med klinisk farmaceut"},
            add=(("C1", "C1.3", "Daglig liste over patienter i intravenøs behandling i mere end 48 timer"),),
        ),
        "ouh-inf": driver_diagram.Adaptation(remove=("B2.1",)),
        "auh-inf": driver_diagram.Adaptation(
            add=(("D1", "D1.3", "Infektionsmedicinsk tilsyn foreslår behandlingsvarighed"),),
        ),
    }
    by_code = {team.code: team for team in teams}
    for spec in TEAMS:
        if spec.change_month is None and spec.code != "noh-med":
            continue
        team = by_code[spec.code]
        copy = driver_diagram.team_copy_build(
            template=template,
            team=team,
            adaptation=adaptations.get(spec.code, driver_diagram.Adaptation()),
            summary=summary,
        )
        if spec.change_month is not None:
            antibiotika_work.improvement_work_build(
                team, spec, copy, indicators, members[team.id], first_month, last_month, summary
            )

    leaders = [demo["demo-leader"]] + [members[team.id][0] for team in teams[::4]]
    seminars_build(
        network=network,
        teams=teams,
        members_by_team=members,
        leaders=leaders,
        organiser=demo["demo-lead"],
        today=today,
        summary=summary,
    )
    antibiotika_data.excluded_point_build(network, summary)
    return network, pairs


def _goals_and_indicators(network, lead, published_at, first_month):
    baseline_end = add_months(first_month, 11)
    deadline = network.end_date
    common = {
        "status": PublicationStatus.PUBLISHED,
        "published_at": published_at,
        "published_by": lead,
        "baseline_start": first_month,
        "baseline_end": baseline_end,
    }
    goal_specs = [
        (
            1,
            "Reduktion af det samlede antibiotikaforbrug",
            False,
            "10 % reduktion i DDD pr. 100 sengedage i forhold til baseline",
            None,
        ),
        (
            2,
            "Reduktion af forbruget af kritisk vigtige antibiotika",
            False,
            "Andelen af kritisk vigtige antibiotika under 20 % af det samlede forbrug (DDD)",
            Decimal("20"),
        ),
        (
            3,
            "Ulempeindikator: Uændret eller faldende 30-dages mortalitet efter bakteriæmi",
            True,
            "Uændret eller faldende 30-dages mortalitet i forhold til baseline",
            None,
        ),
    ]
    goals = []
    for number, title, balancing, target_text, target_value in goal_specs:
        goal, _ = Goal.objects.get_or_create(
            network=network,
            number=number,
            defaults={
                "title": title,
                "is_balancing": balancing,
                "target_text": target_text,
                "target_value": target_value,
                "target_deadline": deadline,
                **common,
            },
        )
        goals.append(goal)

    publish = {"publish_by": lead, "published_at": published_at}
    baseline = {"baseline_start": first_month, "baseline_end": baseline_end, "target_deadline": deadline}
    indicators = {
        "ddd": indicator_ensure(
            network=network,
            code="ddd",
            goal=goals[0],
            order=1,
            name="DDD pr. 100 sengedage",
            kind=Indicator.Kind.OUTCOME,
            definition="Det samlede forbrug af antibiotika til systemisk brug i afdelingen, målt i definerede "
            "døgndoser (DDD) pr. 100 sengedage. Opgøres månedligt.",
            numerator_definition="Antal DDD af antibiotika til systemisk brug (ATC J01) udleveret til afdelingen i "
            "måneden (med to decimaler).",
            denominator_definition="Antal sengedage i afdelingen i måneden.",
            unit="DDD pr. 100 sengedage",
            multiplier=Decimal("100"),
            direction=Indicator.Direction.DOWN,
            chart_type=Indicator.ChartType.RUN,
            whole_numbers=False,
            data_source="Sygehusapotekets forbrugsdata og Landspatientregisteret (sengedage)",
            target_value=Decimal("75"),
            **baseline,
            **publish,
        ),
        "kritisk-vigtige": indicator_ensure(
            network=network,
            code="kritisk-vigtige",
            goal=goals[1],
            order=2,
            name="Andel kritisk vigtige antibiotika (% af DDD)",
            kind=Indicator.Kind.OUTCOME,
            definition="Andelen af afdelingens antibiotikaforbrug, der udgøres af kritisk vigtige antibiotika: "
            "cefalosporiner (2. og 3. generation), fluorquinoloner og carbapenemer.",
            numerator_definition="Antal DDD af cefalosporiner, fluorquinoloner og carbapenemer i måneden.",
            denominator_definition="Antal DDD af antibiotika til systemisk brug (ATC J01) i måneden.",
            unit="%",
            multiplier=Decimal("100"),
            direction=Indicator.Direction.DOWN,
            chart_type=Indicator.ChartType.RUN,
            whole_numbers=False,
            data_source="Sygehusapotekets forbrugsdata",
            target_value=Decimal("20"),
            **baseline,
            **publish,
        ),
        "revurderet-48t": indicator_ensure(
            network=network,
            code="revurderet-48t",
            goal=goals[0],
            order=3,
            name="Andel revurderet inden for 48 timer",
            kind=Indicator.Kind.PROCESS,
            definition="Andelen af patienter i antibiotikabehandling, hvor behandlingen er revurderet og "
            "revurderingen dokumenteret inden for 48 timer efter første dosis. Månedlig journalaudit.",
            numerator_definition="Antal auditerede patienter, hvor revurdering er dokumenteret inden for 48 timer.",
            denominator_definition="Antal auditerede patienter i antibiotikabehandling (ca. 20 journaler pr. måned).",
            unit="%",
            multiplier=Decimal("100"),
            direction=Indicator.Direction.UP,
            chart_type=Indicator.ChartType.P,
            whole_numbers=True,
            data_source="Månedlig journalaudit i afdelingen",
            target_value=Decimal("90"),
            **baseline,
            **publish,
        ),
        "behandlingsvarighed": indicator_ensure(
            network=network,
            code="behandlingsvarighed",
            goal=goals[0],
            order=4,
            name="Behandlingsvarighed (dage)",
            kind=Indicator.Kind.PROCESS,
            definition="Gennemsnitligt antal dage med antibiotikabehandling pr. afsluttet behandlingsforløb.",
            numerator_definition="Samlet antal behandlingsdage for de forløb, der er afsluttet i måneden.",
            denominator_definition="Antal afsluttede antibiotikabehandlinger i måneden.",
            unit="dage",
            multiplier=Decimal("1"),
            direction=Indicator.Direction.DOWN,
            chart_type=Indicator.ChartType.I,
            whole_numbers=True,
            data_source="Medicinmodulet i den elektroniske patientjournal",
            target_value=Decimal("7"),
            **baseline,
            **publish,
        ),
        "mortalitet-bakteriaemi": indicator_ensure(
            network=network,
            code="mortalitet-bakteriaemi",
            goal=goals[2],
            order=5,
            name="30-dages dødelighed efter bakteriæmi",
            kind=Indicator.Kind.BALANCING,
            definition="Andelen af patienter med bakteriæmi, der dør inden for 30 dage efter den første positive "
            "bloddyrkning. Ulempeindikator: må ikke stige, når antibiotikaforbruget falder.",
            numerator_definition="Antal patienter med bakteriæmi i måneden, der døde inden for 30 dage.",
            denominator_definition="Antal patienter med første positive bloddyrkning i måneden.",
            unit="%",
            multiplier=Decimal("100"),
            direction=Indicator.Direction.DOWN,
            chart_type=Indicator.ChartType.P,
            whole_numbers=True,
            data_source="Klinisk mikrobiologisk afdeling og CPR-registeret",
            **baseline,
            **publish,
        ),
    }
    # A definition the expert group is still discussing: a draft, never published (version 0).
    indicator_ensure(
        network=network,
        code="indikation-dokumenteret",
        goal=goals[0],
        order=6,
        name="Andel ordinationer med dokumenteret indikation",
        kind=Indicator.Kind.PROCESS,
        definition="Andelen af antibiotikaordinationer, hvor indikationen er angivet i medicinmodulet.",
        numerator_definition="Antal ordinationer med angivet indikation.",
        denominator_definition="Antal antibiotikaordinationer i måneden (stikprøve).",
        unit="%",
        multiplier=Decimal("100"),
        direction=Indicator.Direction.UP,
        chart_type=Indicator.ChartType.P,
        whole_numbers=True,
        status=PublicationStatus.DRAFT,
        version=0,
        data_source="Medicinmodulet",
    )
    return goals, indicators


def _teams(network, orgs: Organisations, users: Users, demo: dict, summary: Summary):
    teams = []
    for spec in TEAMS:
        department = orgs.department(spec.hospital, spec.department)
        leader = person(f"leder-{spec.code}")
        team, created = Team.objects.get_or_create(
            network=network,
            code=spec.code,
            defaults={
                "name": department.name,
                "region": department.region,
                "sector": Sector.REGION,
                "responsible_leader": f"Ledende overlæge {leader.first_name} {leader.last_name}",
            },
        )
        if created:
            team.organisations.add(department)
            summary.add("teams")
        teams.append(team)

    # Ordinary members: team lead, data entry and two viewers, unless a demo login holds the role.
    people = []
    plan: dict[str, list[tuple[str, str, bool]]] = {}
    for spec in TEAMS:
        roles = [
            ("team_lead", f"ab-{spec.code}-1", True),
            ("data_entry", f"ab-{spec.code}-2", False),
            ("viewer", f"ab-{spec.code}-3", False),
            ("viewer", f"ab-{spec.code}-4", False),
        ]
        if spec.code == DEMO_TEAM:
            roles = [
                ("team_lead", "demo-team", True),
                ("viewer", "demo-viewer", False),
                ("data_entry", f"ab-{spec.code}-2", False),
                ("viewer", f"ab-{spec.code}-3", False),
            ]
        elif spec.code == DEMO_OTHER_TEAM:
            roles = [
                ("data_entry", "demo-other", False),
                ("team_lead", f"ab-{spec.code}-1", True),
                ("viewer", f"ab-{spec.code}-3", False),
            ]
        plan[spec.code] = roles
        people += [person(username) for _, username, _ in roles if not username.startswith("demo-")]
    accounts = {**users.ensure(people), **demo}

    existing = set(TeamMembership.objects.filter(team__in=teams).values_list("team_id", "user_id"))
    new = []
    members: dict[int, list] = {}
    writers: dict[int, object] = {}  # who entered the team's data
    for team in teams:
        members[team.id] = []
        for index, (role, username, local_lead) in enumerate(plan[team.code]):
            user = accounts[username]
            members[team.id].append(user)
            if role == "data_entry":
                writers[team.id] = user
            if (team.id, user.id) not in existing:
                new.append(
                    TeamMembership(
                        team=team,
                        user=user,
                        role=role,
                        is_local_project_lead=local_lead,
                        profession=PROFESSIONS[index % len(PROFESSIONS)],
                    )
                )
    TeamMembership.objects.bulk_create(new)
    summary.add("teammedlemmer", len(new))
    return teams, members, writers


def _network_roles(network, orgs: Organisations, users: Users, demo: dict, summary: Summary) -> None:
    roles = [
        (
            demo["demo-lead"],
            NetworkMembership.Role.NATIONAL_LEAD,
            {"region": orgs.regions["Region Hovedstaden"]},
        ),
        (
            demo["demo-coordinator"],
            NetworkMembership.Role.COORDINATOR,
            {"region": orgs.regions["Region Hovedstaden"]},
        ),
        (
            demo["demo-expert"],
            NetworkMembership.Role.EXPERT,
            {
                "expert_role": NetworkMembership.ExpertRole.CLINICAL,
                "region": orgs.regions["Region Hovedstaden"],
                "sector": Sector.REGION,
            },
        ),
        (
            demo["demo-leader"],
            NetworkMembership.Role.OBSERVER,
            {"organisation": orgs.hospitals["BFH"], "region": orgs.regions["Region Hovedstaden"]},
        ),
    ]
    for username, first, last, expert_role, region in EXPERTS:
        user = users.one(Person(username, first, last))
        roles.append(
            (
                user,
                NetworkMembership.Role.EXPERT,
                {
                    "expert_role": expert_role,
                    "region": orgs.regions.get(region),
                    "sector": Sector.REGION if region else "",
                },
            )
        )
    for region, (username, first, last) in COORDINATORS.items():
        user = users.one(Person(username, first, last))
        roles.append((user, NetworkMembership.Role.COORDINATOR, {"region": orgs.regions[region]}))
    for user, role, extra in roles:
        _, created = NetworkMembership.objects.get_or_create(
            network=network, user=user, role=role, defaults=extra
        )
        summary.add("roller i LKT", int(created))
