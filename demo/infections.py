"""LKT Infektioner: real data (hospital-acquired infections, six hospitals in Region Hovedstaden, 2015-2016).

The file is a copy of qicharts2's `hospital_infections` (source: esundhed.dk), so the charts can be checked
against published figures. It ships with the code: production has no shared data folder.
"""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from measures.models import Goal, Indicator, Measurement, PublicationStatus
from teams.models import Network, NetworkMembership, Sector, Team, TeamMembership

from .common import Summary, indicator_ensure, measurements_create_missing, noon
from .organisations import Organisations
from .users import Users, person

SLUG = "lkt-infektioner"
DATA_FILE = Path(__file__).resolve().parent / "data" / "hospital_infections.csv"
FOUR_PLACES = Decimal("0.0001")

INFECTIONS = {
    # CSV code -> (indicator code, name, numerator definition)
    "BAC": (
        "bac",
        "Bakteriæmi pr. 10.000 risikodage",
        "Antal nye tilfælde af hospitalserhvervet bakteriæmi.",
    ),
    "CDI": (
        "cdi",
        "Clostridioides difficile-infektion pr. 10.000 risikodage",
        "Antal nye tilfælde af hospitalserhvervet Clostridioides difficile-infektion.",
    ),
    "UTI": (
        "uti",
        "Urinvejsinfektion pr. 10.000 risikodage",
        "Antal nye tilfælde af hospitalserhvervet urinvejsinfektion.",
    ),
}


def read_rows() -> list[dict[str, str]]:
    with DATA_FILE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def network_build(
    *, orgs: Organisations, users: Users, summary: Summary
) -> tuple[Network, set[tuple[int, int]]]:
    demo = users.demo_logins()
    rows = read_rows()
    first_month = min(date.fromisoformat(row["month"]) for row in rows)
    network, created = Network.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "LKT Infektioner (reelle data)",
            "topic": "Hospitalserhvervede infektioner",
            # The real collaborative ran 2015-2016 and is over: closed, never overdue today.
            "status": Network.Status.CLOSED,
            "lead_region": orgs.regions["Region Hovedstaden"],
            "start_date": first_month,
            "end_date": date(first_month.year + 1, 12, 31),
            "peer_visibility": Network.PeerVisibility.NAMED,
            "purpose": "Færre hospitalserhvervede infektioner på hospitalerne i Region Hovedstaden.",
            "description": (
                "Et demonetværk bygget på offentliggjorte tal: hospitalserhvervet bakteriæmi, Clostridioides "
                "difficile-infektion og urinvejsinfektion pr. 10.000 risikodage på seks hospitaler i Region "
                "Hovedstaden, 2015–2016 (kilde: esundhed.dk, som udgivet i R-pakken qicharts2). Diagrammerne kan "
                "sammenlignes med de offentliggjorte U-kort."
            ),
        },
    )
    summary.add("LKT'er", int(created))
    lead = demo["demo-lead"]
    published_at = noon(first_month)
    goal, _ = Goal.objects.get_or_create(
        network=network,
        number=1,
        defaults={
            "title": "Færre hospitalserhvervede infektioner",
            "status": PublicationStatus.PUBLISHED,
            "published_at": published_at,
            "published_by": lead,
        },
    )
    indicators = {}
    for order, (csv_code, (code, name, numerator)) in enumerate(INFECTIONS.items(), start=1):
        indicators[csv_code] = indicator_ensure(
            network=network,
            code=code,
            goal=goal,
            order=order,
            name=name,
            kind=Indicator.Kind.OUTCOME,
            definition=f"{name}: nye tilfælde pr. 10.000 risikodage (sengedage uden infektion), pr. måned.",
            numerator_definition=numerator,
            denominator_definition="Antal risikodage: sengedage for patienter uden den pågældende infektion.",
            unit="pr. 10.000 risikodage",
            multiplier=Decimal("10000"),
            direction=Indicator.Direction.DOWN,
            chart_type=Indicator.ChartType.U,
            # The cases are whole numbers, but the risk days are fractional (partial days), and the
            # model's whole_numbers applies to numerator and denominator alike, so it stays off.
            whole_numbers=False,
            data_source="esundhed.dk (Statens Serum Institut), via qicharts2::hospital_infections",
            publish_by=lead,
            published_at=published_at,
        )

    hospitals = sorted({row["hospital"] for row in rows})
    teams = {}
    writers = users.ensure([person(f"inf-{code.lower()}-1") for code in hospitals])
    for code in hospitals:
        hospital = orgs.hospitals[code]
        team, created = Team.objects.get_or_create(
            network=network,
            code=code.lower(),
            defaults={"name": hospital.name, "region": hospital.region, "sector": Sector.REGION},
        )
        if created:
            team.organisations.add(hospital)
            summary.add("teams")
        writer = writers[f"inf-{code.lower()}-1"]
        TeamMembership.objects.get_or_create(
            team=team,
            user=writer,
            defaults={
                "role": TeamMembership.Role.TEAM_LEAD,
                "profession": "Hygiejnesygeplejerske",
                "is_local_project_lead": True,
            },
        )
        teams[code] = (team, writer)

    region = orgs.regions["Region Hovedstaden"]
    for user, role in (
        (lead, NetworkMembership.Role.NATIONAL_LEAD),
        (demo["demo-coordinator"], NetworkMembership.Role.COORDINATOR),
    ):
        NetworkMembership.objects.get_or_create(
            network=network, user=user, role=role, defaults={"region": region}
        )

    measurements = []
    for row in rows:
        team, writer = teams[row["hospital"]]
        indicator = indicators[row["infection"]]
        measurements.append(
            Measurement(
                team=team,
                indicator=indicator,
                period=date.fromisoformat(row["month"]),
                numerator=Decimal(row["n"]),
                denominator=Decimal(row["days"]).quantize(FOUR_PLACES),
                indicator_version=indicator.version,
                entered_by=writer,
            )
        )
    return network, measurements_create_missing(measurements, summary=summary)
