"""LKT Sammenhængende hoftebrudsforløb: in preparation, cross-sector teams (a hospital + municipalities)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from measures.models import Goal, Indicator, PublicationStatus
from measures.months import add_months
from seminars.models import Audience, LearningObjective, Seminar, SeminarPurpose
from teams.models import Network, NetworkMembership, Sector, Team, TeamMembership

from .common import Summary, indicator_ensure, noon
from .organisations import Organisations
from .users import Person, Users, person

SLUG = "lkt-hoftebrud"

# (hospital, municipalities in its catchment area)
TEAMS = [
    ("OUH", ["Odense Kommune", "Nordfyns Kommune"]),
    ("SLB", ["Kolding Kommune", "Vejle Kommune"]),
    ("AUH", ["Aarhus Kommune", "Skanderborg Kommune"]),
    ("AAUH", ["Aalborg Kommune", "Rebild Kommune"]),
    ("SUH", ["Køge Kommune", "Greve Kommune"]),
    ("AHH", ["Københavns Kommune", "Hvidovre Kommune"]),
]

DESCRIPTION = (
    "I december 2021 besluttede den nationale Styregruppe for LKT at etablere et LKT Sammenhængende "
    "Hoftebrudsforløb med fokus på forløbet for borgere 65+ med hoftebrud og særligt på optimering af samspillet "
    "mellem regioner og kommuner. LKT'et er fra start til slut baseret på et tværsektorielt samarbejde, bl.a. "
    "gennem delt formandskab i ekspertgruppen og fælles projektledelse.\n\n"
    "Projektet er baseret på »Kom Trygt Hjem«-konceptet fra Sygehus Lillebælt kombineret med indsatser med fokus "
    "på mobilisering og genoptræning. De lokale forbedringsteams består af et hospital OG en eller flere af de "
    "kommuner, som ligger i hospitalets optageområde. Ekspertgruppen anbefaler, at den lokale projektledelse "
    "varetages i fællesskab af en repræsentant for sygehuset og en repræsentant for kommunen/kommunerne.\n\n"
    "Region Syddanmark er, i samarbejde med KL som repræsentant for kommunerne, national tovholder for LKT'et."
)


def network_build(*, orgs: Organisations, users: Users, today: date, summary: Summary) -> Network:
    start = add_months(today.replace(day=1), 3).replace(day=5)
    lead = users.one(Person("hb-projektleder", "Karina", "Thygesen"))
    network, created = Network.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "LKT Sammenhængende hoftebrudsforløb",
            "topic": "Sammenhængende forløb for borgere 65+ med hoftebrud",
            "status": Network.Status.PREPARATION,
            "lead_region": orgs.regions["Region Syddanmark"],
            "co_lead": "KL",
            "start_date": start,
            "purpose": (
                "At forbedre det samlede forløb for borgere 65+ med hoftebrud – fra indlæggelse over operation og "
                "mobilisering til genoptræning og hverdag i eget hjem – gennem et tæt samarbejde mellem hospital "
                "og kommune."
            ),
            "description": DESCRIPTION,
            "approved_on": add_months(today.replace(day=1), -2).replace(day=20),
            "peer_visibility": Network.PeerVisibility.ANONYMISED,
        },
    )
    summary.add("LKT'er", int(created))
    published_at = noon(network.start_date - timedelta(days=60))

    goal_specs = [
        (1, "Flere borgere 65+ med hoftebrud mobiliseres inden for 24 timer efter operationen", False),
        (2, "En tryg og sammenhængende overgang fra hospital til kommune (Kom Trygt Hjem)", False),
        (3, "Færre akutte genindlæggelser inden for 30 dage efter udskrivelse", False),
        (4, "Ulempeindikator: Uændret eller faldende 30-dages dødelighed", True),
    ]
    goals = {}
    for number, title, balancing in goal_specs:
        goals[number], _ = Goal.objects.get_or_create(
            network=network,
            number=number,
            defaults={
                "title": title,
                "is_balancing": balancing,
                "status": PublicationStatus.PUBLISHED,
                "published_at": published_at,
                "published_by": lead,
            },
        )
    publish = {"publish_by": lead, "published_at": published_at}
    proportion = {
        "unit": "%",
        "multiplier": Decimal("100"),
        "chart_type": Indicator.ChartType.P,
        "whole_numbers": True,
    }
    indicator_ensure(
        network=network,
        code="mobilisering-24t",
        goal=goals[1],
        order=1,
        kind=Indicator.Kind.PROCESS,
        name="Andel mobiliseret inden for 24 timer efter operation",
        numerator_definition="Antal borgere 65+ opereret for hoftebrud, der er mobiliseret til stående eller "
        "gående inden for 24 timer efter operationen.",
        denominator_definition="Antal borgere 65+ opereret for hoftebrud i måneden.",
        direction=Indicator.Direction.UP,
        data_source="Dansk Tværfagligt Register for Hoftenære Lårbensbrud",
        target_value=Decimal("90"),
        **proportion,
        **publish,
    )
    indicator_ensure(
        network=network,
        code="genoptraening-7d",
        goal=goals[2],
        order=2,
        kind=Indicator.Kind.PROCESS,
        name="Andel, der begynder kommunal genoptræning inden for 7 dage efter udskrivelse",
        numerator_definition="Antal borgere, der har første genoptræning i kommunen inden for 7 dage.",
        denominator_definition="Antal borgere udskrevet med genoptræningsplan i måneden.",
        direction=Indicator.Direction.UP,
        data_source="Kommunernes omsorgssystemer",
        target_value=Decimal("80"),
        **proportion,
        **publish,
    )
    indicator_ensure(
        network=network,
        code="genindlaeggelse-30d",
        goal=goals[3],
        order=3,
        kind=Indicator.Kind.OUTCOME,
        name="Andel akut genindlagt inden for 30 dage",
        numerator_definition="Antal borgere, der genindlægges akut inden for 30 dage efter udskrivelse.",
        denominator_definition="Antal borgere udskrevet efter hoftebrudsoperation i måneden.",
        direction=Indicator.Direction.DOWN,
        data_source="Landspatientregisteret",
        **proportion,
        **publish,
    )
    indicator_ensure(
        network=network,
        code="mortalitet-30d",
        goal=goals[4],
        order=4,
        kind=Indicator.Kind.BALANCING,
        name="30-dages dødelighed efter hoftebrud",
        numerator_definition="Antal borgere, der dør inden for 30 dage efter operationen.",
        denominator_definition="Antal borgere 65+ opereret for hoftebrud i måneden.",
        direction=Indicator.Direction.DOWN,
        data_source="Landspatientregisteret og CPR-registeret",
        **proportion,
        **publish,
    )
    # Still being defined by the expert group: the "Kom Trygt Hjem" follow-up visit.
    indicator_ensure(
        network=network,
        code="opfoelgende-besoeg",
        goal=goals[2],
        order=5,
        kind=Indicator.Kind.PROCESS,
        name="Andel med opfølgende hjemmebesøg inden for 48 timer efter udskrivelse",
        numerator_definition="Antal borgere, der får et opfølgende hjemmebesøg inden for 48 timer.",
        denominator_definition="Antal borgere udskrevet til eget hjem i måneden.",
        direction=Indicator.Direction.UP,
        data_source="Kommunernes omsorgssystemer",
        status=PublicationStatus.DRAFT,
        version=0,
        **proportion,
    )

    for hospital_code, municipality_names in TEAMS:
        department = orgs.department(hospital_code, "ort")
        municipalities = [orgs.municipalities[name] for name in municipality_names]
        code = f"{hospital_code.lower()}-hoftebrud"
        team, created = Team.objects.get_or_create(
            network=network,
            code=code,
            defaults={
                "name": f"{orgs.hospitals[hospital_code].name} og {' og '.join(m.name for m in municipalities)}",
                "region": department.region,
                "sector": Sector.REGION,
                "is_cross_sector": True,
                "responsible_leader": f"Ledende overlæge {person('leder-' + code).first_name} "
                f"{person('leder-' + code).last_name} og sundhedschef {person('chef-' + code).first_name} "
                f"{person('chef-' + code).last_name}",
            },
        )
        if created:
            team.organisations.add(department, *municipalities)
            summary.add("teams")
        people = users.ensure([person(f"hb-{code}-{n}") for n in (1, 2, 3)])
        plan = [
            (f"hb-{code}-1", TeamMembership.Role.TEAM_LEAD, "Overlæge, ortopædkirurgi", True),
            (f"hb-{code}-2", TeamMembership.Role.TEAM_LEAD, "Sygeplejerske, kommunal hjemmepleje", True),
            (f"hb-{code}-3", TeamMembership.Role.DATA_ENTRY, "Fysioterapeut, kommunal genoptræning", False),
        ]
        for username, role, profession, local_lead in plan:
            TeamMembership.objects.get_or_create(
                team=team,
                user=people[username],
                defaults={"role": role, "profession": profession, "is_local_project_lead": local_lead},
            )

    roles = [
        (lead, NetworkMembership.Role.NATIONAL_LEAD, {"region": orgs.regions["Region Syddanmark"]}),
        (
            users.one(Person("hb-formand-region", "Morten", "Buch")),
            NetworkMembership.Role.EXPERT,
            {
                "expert_role": NetworkMembership.ExpertRole.CO_CHAIR,
                "region": orgs.regions["Region Syddanmark"],
                "sector": Sector.REGION,
            },
        ),
        (
            users.one(Person("hb-formand-kommune", "Birthe", "Kirk")),
            NetworkMembership.Role.EXPERT,
            {"expert_role": NetworkMembership.ExpertRole.CO_CHAIR, "sector": Sector.MUNICIPALITY},
        ),
        (
            users.one(Person("hb-patient", "Erik", "Holst")),
            NetworkMembership.Role.EXPERT,
            {"expert_role": NetworkMembership.ExpertRole.PATIENT},
        ),
        (
            users.one(Person("hb-peer", "Lone", "Svendsen")),
            NetworkMembership.Role.EXPERT,
            {
                "expert_role": NetworkMembership.ExpertRole.PEER,
                "region": orgs.regions["Region Syddanmark"],
                "sector": Sector.REGION,
            },
        ),
    ]
    for user, role, extra in roles:
        NetworkMembership.objects.get_or_create(network=network, user=user, role=role, defaults=extra)

    day = network.start_date
    seminar, created = Seminar.objects.get_or_create(
        network=network,
        kind=Seminar.Kind.LEADERSHIP,
        number=1,
        defaults={
            "title": "Fælles ledelsesseminar for hospitaler og kommuner",
            "starts_at": datetime.combine(day, time(10, 0), tzinfo=ZoneInfo("Europe/Copenhagen")),
            "ends_at": datetime.combine(day, time(15, 30), tzinfo=ZoneInfo("Europe/Copenhagen")),
            "place": "Comwell Kolding",
            "address": "Skovbrynet 1, 6000 Kolding",
            "audience": Audience.LEADERS,
            "capacity": 90,
            "preparation": "Aftal på forhånd, hvem fra hospital og kommune der deler den lokale projektledelse.",
        },
    )
    if created:
        summary.add("seminarer")
        SeminarPurpose.objects.create(
            seminar=seminar,
            audience=Audience.LEADERS,
            order=0,
            text="At ledere fra hospitaler og kommuner får et fælles afsæt for at understøtte de tværsektorielle "
            "forbedringsteams.",
        )
        for order, text in enumerate(
            [
                "Lederne kender målene for LKT Sammenhængende hoftebrudsforløb og »Kom Trygt Hjem«-konceptet.",
                "Lederne har aftalt den fælles lokale projektledelse mellem hospital og kommune.",
            ]
        ):
            LearningObjective.objects.create(
                seminar=seminar, audience=Audience.LEADERS, text=text, order=order
            )
    return network
