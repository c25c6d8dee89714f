"""LKT Antibiotika's teams and their 30 months of data: who improves when, and the gaps in reporting."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from simple_history.utils import bulk_create_with_history

from measures.models import ExcludedPoint, Indicator, Measurement, MonthCompletion
from measures.months import add_months
from teams.models import Network, Team

from .common import Summary, dec, measurements_create_missing, rng_for

MONTHS = 30


@dataclass(frozen=True)
class TeamSpec:
    hospital: str  # short name
    department: str  # key in DEPARTMENTS
    change_month: int | None = None  # month index from which the team's changes work; None: no improvement

    @property
    def code(self) -> str:
        return f"{self.hospital}-{self.department}".lower()


TEAMS = [
    # Region Hovedstaden
    TeamSpec("BFH", "med", 13),  # the demo-team / demo-viewer team
    TeamSpec("BFH", "akut", 15),
    TeamSpec("AHH", "inf"),
    TeamSpec("HGH", "lunge", 14),
    TeamSpec("NOH", "med"),
    TeamSpec("RGH", "intensiv"),
    # Region Sjælland
    TeamSpec("SUH", "med", 16),
    TeamSpec("HOS", "med"),
    TeamSpec("NFS", "kir"),
    TeamSpec("SLS", "ger", 18),
    # Region Syddanmark
    TeamSpec("OUH", "inf", 12),
    TeamSpec("SLB", "med"),
    TeamSpec("SVS", "akut"),
    TeamSpec("SHS", "med", 17),
    TeamSpec("OUH", "uro"),
    # Region Midtjylland
    TeamSpec("AUH", "inf", 14),  # demo-other
    TeamSpec("RHG", "med"),
    TeamSpec("RHR", "ort"),
    TeamSpec("RHH", "med", 19),
    TeamSpec("RHV", "lunge"),
    # Region Nordjylland
    TeamSpec("AAUH", "inf", 13),
    TeamSpec("RHN", "med"),
    TeamSpec("STM", "med"),
    TeamSpec("AAUH", "kir", 20),
]
DEMO_TEAM = "bfh-med"
DEMO_OTHER_TEAM = "auh-inf"

# Gaps: teams that have not reported last month yet, and a few holes (team code -> {month: indicators}).
NOT_YET_REPORTED = {"nfs-kir", "rhv-lunge", "stm-med"}
ALL = ("ddd", "kritisk-vigtige", "revurderet-48t", "behandlingsvarighed", "mortalitet-bakteriaemi")
GAPS = {
    "rhg-med": {7: ALL},
    "svs-akut": {19: ("revurderet-48t",)},
    "rhn-med": {10: ("behandlingsvarighed",), 11: ("behandlingsvarighed",)},
}
NOTHING_TO_REPORT = ("stm-med", "mortalitet-bakteriaemi", 16)
NEEDS_CHECKING = {
    (
        "hos-med",
        "ddd",
        21,
    ): "Sengedage ser lave ud – afsnittet var delvist lukket. Tjekkes med økonomiafdelingen.",
    ("ouh-uro", "kritisk-vigtige", 9): "Stort forbrug af meropenem til én patient – er tallet korrekt?",
    ("slb-med", "mortalitet-bakteriaemi", 25): "Usikkert om to dødsfald er registreret i den rigtige måned.",
}
EXCLUDED = (
    "hos-med",
    "ddd",
    21,
    "Afsnittet delvist lukket pga. ombygning – sengedage er ikke sammenlignelige.",
)


def series(spec: TeamSpec, first_month: date) -> dict[str, list[tuple[Decimal | None, Decimal | None]]]:
    """Five indicators x 30 months for one team; improving teams shift level after their change month."""
    rng = rng_for("antibiotika", spec.code)
    beds = rng.randint(700, 2400)  # bed days a month
    ddd_level = rng.uniform(72, 112)
    critical_level = rng.uniform(0.24, 0.38)
    reassessed_level = rng.uniform(0.45, 0.62)
    duration_level = rng.uniform(8.2, 10.4)
    courses = max(20, beds // 18)
    change = spec.change_month
    ddd_drop = rng.uniform(0.12, 0.20)
    critical_drop = rng.uniform(0.20, 0.32)
    reassessed_after = rng.uniform(0.80, 0.92)
    duration_drop = rng.uniform(1.4, 2.4)
    series: dict[str, list] = {code: [] for code in ALL}
    for index in range(MONTHS):
        period = add_months(first_month, index)
        winter = 1.06 if period.month in (12, 1, 2) else 1.0
        summer = 0.9 if period.month == 7 else 1.0
        improved = change is not None and index >= change
        bed_days = round(beds * summer * rng.uniform(0.93, 1.07))
        rate = ddd_level * winter * (1 - ddd_drop if improved else 1) * rng.gauss(1, 0.045)
        ddd = dec(rate * bed_days / 100)
        series["ddd"].append((ddd, Decimal(bed_days)))

        share = critical_level * (1 - critical_drop if improved else 1) + rng.gauss(0, 0.018)
        series["kritisk-vigtige"].append((dec(max(0.02, share) * float(ddd)), ddd))

        # The process measure moves a month before the outcome: reassessment is what the teams change first.
        audited = rng.randint(16, 24)
        p = reassessed_after if change is not None and index >= change - 1 else reassessed_level
        series["revurderet-48t"].append((Decimal(_binomial(rng, audited, p)), Decimal(audited)))

        n_courses = round(courses * rng.uniform(0.85, 1.15))
        days = (
            duration_level - (duration_drop if change is not None and index >= change + 1 else 0)
        ) * rng.gauss(1, 0.05)
        series["behandlingsvarighed"].append((Decimal(round(days * n_courses)), Decimal(n_courses)))

        # The balancing measure stays unchanged in this story. With so few patients a month, the binomial's
        # long upper tail alone would put a point above the limit in every third team (a false "concern"),
        # so the demo trims that tail at 2.5 standard deviations.
        episodes = rng.randint(4, 14)
        ceiling = int(episodes * 0.17 + 2.5 * (episodes * 0.17 * 0.83) ** 0.5)
        deaths = min(_binomial(rng, episodes, 0.17), ceiling)
        series["mortalitet-bakteriaemi"].append((Decimal(deaths), Decimal(episodes)))
    return series


def _binomial(rng, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def measurements_build(teams, writers, indicators, first_month, summary) -> set[tuple[int, int]]:
    specs = {spec.code: spec for spec in TEAMS}
    rows = []
    for team in teams:
        spec = specs[team.code]
        entered_by = writers[team.id]
        for code, values in series(spec, first_month).items():
            indicator = indicators[code]
            for index, (numerator, denominator) in enumerate(values):
                if index == MONTHS - 1 and team.code in NOT_YET_REPORTED:
                    continue
                if code in GAPS.get(team.code, {}).get(index, ()):
                    continue
                row = Measurement(
                    team=team,
                    indicator=indicator,
                    period=add_months(first_month, index),
                    numerator=numerator,
                    denominator=denominator,
                    indicator_version=indicator.version,
                    entered_by=entered_by,
                )
                if (team.code, code, index) == NOTHING_TO_REPORT:
                    row.numerator = row.denominator = None
                    row.nothing_to_report = True
                    row.comment = "Ingen patienter med bakteriæmi i afdelingen i denne måned."
                comment = NEEDS_CHECKING.get((team.code, code, index))
                if comment:
                    row.needs_checking = True
                    row.comment = comment
                    if code == "ddd":
                        row.denominator = Decimal(round(float(denominator) * 0.55))
                rows.append(row)
    return measurements_create_missing(rows, summary=summary)


def month_completions_build(teams, members, indicators, first_month, last_month, summary) -> None:
    """Most past months are marked complete; the last month only by about half the teams."""
    reported = {}
    for team_id, period in Measurement.objects.filter(
        team__in=teams, indicator__in=indicators.values()
    ).values_list("team_id", "period"):
        reported[(team_id, period)] = reported.get((team_id, period), 0) + 1
    existing = set(MonthCompletion.objects.filter(team__in=teams).values_list("team_id", "period"))
    new = []
    for position, team in enumerate(teams):
        for index in range(MONTHS):
            period = add_months(first_month, index)
            if reported.get((team.id, period), 0) < len(indicators) or (team.id, period) in existing:
                continue
            if period == last_month and position % 2:
                continue
            new.append(MonthCompletion(team=team, period=period, completed_by=members[team.id][0]))
    bulk_create_with_history(new, MonthCompletion, batch_size=500, default_change_reason="Demodata")
    summary.add("komplette måneder", len(new))


def excluded_point_build(network: Network, summary: Summary) -> None:
    team_code, indicator_code, index, reason = EXCLUDED
    team = Team.objects.get(network=network, code=team_code)
    indicator = Indicator.objects.get(network=network, code=indicator_code)
    _, created = ExcludedPoint.objects.get_or_create(
        team=team,
        indicator=indicator,
        period=add_months(network.first_period, index),
        defaults={"reason": reason},
    )
    summary.add("udeladte punkter", int(created))
