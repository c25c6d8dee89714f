"""Demo GP cluster: the antibiotics cluster package, a cluster of 10 practices and 32 prescribers, 36 months of
prescriptions with a realistic antibiotic mix and winter season, one meeting held (answers, goals) and a
follow-up planned with its extract uploaded. Idempotent: looked up by slug and username.

Kept in its own module (not in antibiotika.py): the loader (demo/loader.py) calls `build`.
"""

import math
from datetime import date, timedelta

import numpy as np
from django.contrib.auth.models import AnonymousUser, User

from clusters import services
from clusters.models import (
    Cluster,
    ClusterMembership,
    GoalLevel,
    Meeting,
    MeetingGoal,
    Package,
    PackageItem,
    Prescriber,
    Provider,
    ProviderMembership,
)
from clusters.upload import ExtractLine, ParsedExtract
from teams.models import Network, add_months

from .common import Summary, rng_for
from .organisations import Organisations
from .users import FIRST_NAMES, LAST_NAMES, Person, Users

COORDINATOR = Person("demo-cluster", "Karin", "Lauridsen")
DOCTOR = Person("demo-doctor", "Mads", "Winther")
PHARMACIST = Person("demo-pharmacist", "Louise", "Brandt")
CLUSTER_LOGINS = [
    (COORDINATOR, "Klyngekoordinator og praktiserende læge, Klynge Køge Bugt"),
    (DOCTOR, "Klyngemedlem (praktiserende læge), Klynge Køge Bugt"),
    (PHARMACIST, "Farmaceut, Lægemiddelenheden Region Sjælland (pakkeudbyder)"),
]

PACKAGE_SLUG = "antibiotika-rationel-farmakoterapi"
CLUSTER_SLUG = "klynge-koege-bugt"

PREPARATION = [
    "1: Klyngekoordinatoren retter henvendelse til Lægemiddelenheden minimum 60 dage inden klyngemødet og aftaler tid og sted for mødet samt ønsker til datatræk fra Ordiprax.",
    "2: Det enkelte klyngemedlem: overvej hvordan du tror, du udskriver antibiotika, samt hvilke overvejelser, som du finder svære.",
]
STATISTICS = [
    "Kvalitetsrapport antibiotika (J01).",
    "Datatræk for en anonymiseret klynge i forhold til national – eksempler fra Ordiprax+.",
    "Datatræk for en anonymiseret klynge, de enkelte ydere i forhold til hinanden – eksempler fra Ordiprax+.",
]
QUESTIONS = [
    "Hvilke tanker har diskussionen sat i gang?",
    "Har mødet givet anledning til at ændre noget i egen praksis?",
    "Hvordan ønsker I at arbejde videre med/følge op på temaet i klyngen?",
    "Hvad tager I med hjem til praksis?",
    "Hvilke tiltag vil I konkret tage, når I kommer hjem i praksis?",
]
FOLLOW_UPS = [
    "Hvis I vælger at arbejde videre med emnet, så aftal en dato for et opfølgende klyngemøde. Hvis I vil følge udviklingen i de data, I har kigget på, skal der gå minimum et halvt år.",
    "Drøft muligheden for fælles kompetenceudvikling af praksispersonalet. Såfremt praksis ønsker at organisere et decideret kursusforløb, kan der søges om godkendelse af kurset og refusion via PLO-E.",
    "Fordrer drøftelsen praksisudvikling i jeres respektive klinikker, herunder arbejdet med opgaveglidning? Kontakt POL-S.",
]
MATERIALS = [
    ("National handlingsplan for antibiotika til mennesker", "https://sum.dk/"),
    ("Region Sjælland – Antibiotikavejledning", "https://www.regionsjaelland.dk/"),
    ("Sundhed.dk om antibiotika", "https://www.sundhed.dk/"),
    ("Basislisten om infektioner", ""),
    ("Infektioner i almen praksis – pjece", ""),
    ("Der kan søges om godkendelse af kursus til refusion i PLO-E", ""),
    ("Se PLO-videoerne: Videomateriale", ""),
]

PRACTICES = [
    ("071234", "Lægerne på Torvet, Køge", 6400, 5),
    ("071301", "Lægehuset Ølby", 4300, 4),
    ("071377", "Lægerne i Herfølge", 3900, 3),
    ("071412", "Borup Lægehus", 5200, 4),
    ("071455", "Lægepraksis Ejby", 1750, 1),
    ("071508", "Lægerne Strandvejen, Køge", 4700, 4),
    ("071560", "Lægehuset i Bjæverskov", 2900, 3),
    ("071613", "Solrød Lægecenter", 5600, 4),
    ("071688", "Lægerne i Jersie", 2300, 2),
    ("071734", "Lægepraksis Havdrup", 1900, 2),
]

# ATC code: (share of J01 prescriptions, respiratory = winter season)
MIX = {
    "J01CE02": (0.355, True),
    "J01CA08": (0.115, False),
    "J01CA04": (0.095, True),
    "J01CR02": (0.045, True),
    "J01FA01": (0.018, True),
    "J01FA09": (0.022, True),
    "J01FA10": (0.020, True),
    "J01MA02": (0.034, False),
    "J01DC02": (0.007, True),
    "J01XE01": (0.085, False),
    "J01EA01": (0.062, False),
    "J01AA02": (0.042, False),
    "J01CF01": (0.050, False),
    "J01XX05": (0.012, False),
    "J01CE01": (0.006, True),
}
CRITICAL = ("J01MA", "J01DB", "J01DC", "J01DD", "J01DE", "J01DH")
REGION_LISTED, COUNTRY_LISTED = 842_000, 5_960_000


def _month_add(day: date, months: int) -> date:
    return add_months(day.replace(day=1), months)


def _season(month: int, respiratory: bool) -> float:
    # Respiratory infections peak in January-February; urinary and skin infections hardly vary.
    amplitude = 0.32 if respiratory else 0.05
    return 1 + amplitude * math.cos(2 * math.pi * (month - 1.5) / 12)


def _effect(code: str, after: bool) -> float:
    """What the cluster changed after its meeting: more penicillin V, fewer broad-spectrum and critical."""
    if not after:
        return 1.0
    if code == "J01CE02":
        return 1.06
    if code.startswith(CRITICAL):
        return 0.72
    if code.startswith(("J01FA", "J01CR", "J01CA04")):
        return 0.84
    return 0.97


def build(
    *, orgs: Organisations, users: Users, network: Network | None, today: date, summary: Summary
) -> None:
    logins = users.ensure([who for who, _ in CLUSTER_LOGINS])
    coordinator, doctor, pharmacist = (logins[p.username] for p in (COORDINATOR, DOCTOR, PHARMACIST))
    region = orgs.regions["Region Sjælland"]
    provider, created = Provider.objects.get_or_create(
        slug="laegemiddelenheden-sjaelland",
        defaults={
            "name": "Lægemiddelenheden, Region Sjælland",
            "region": region,
            "contact_email": "laegemiddelenheden@example.dk",
        },
    )
    if created:
        summary.add("pakkeudbydere")
    ProviderMembership.objects.get_or_create(
        provider=provider, user=pharmacist, defaults={"title": "Farmaceut"}
    )
    summary.add("antibiotikagrupper", services.antibiotic_groups_ensure_defaults(provider=provider))
    package = _package(provider, pharmacist, summary)
    if Cluster.objects.filter(slug=CLUSTER_SLUG).exists():
        return
    cluster = Cluster.objects.create(
        slug=CLUSTER_SLUG, name="Klynge Køge Bugt", region=region, network=network
    )
    summary.add("praksisklynger")
    _cluster_data(cluster, package, coordinator, doctor, pharmacist, users, today, summary)


def _package(provider: Provider, user: User | AnonymousUser, summary: Summary) -> Package:
    package = Package.objects.filter(slug=PACKAGE_SLUG).first()
    if package is not None:
        return package
    items = {
        PackageItem.Kind.PREPARATION: [
            {"text": PREPARATION[0], "actor": PackageItem.Actor.COORDINATOR},
            {"text": PREPARATION[1], "actor": PackageItem.Actor.MEMBER},
        ],
        PackageItem.Kind.STATISTIC: [{"text": t} for t in STATISTICS],
        PackageItem.Kind.QUESTION: [{"text": t} for t in QUESTIONS],
        PackageItem.Kind.FOLLOW_UP: [{"text": t} for t in FOLLOW_UPS],
        PackageItem.Kind.MATERIAL: [{"text": t, "url": u} for t, u in MATERIALS],
    }
    fields = {
        "title": "Antibiotika – rationel farmakoterapi",
        "subtitle": "Klyngepakke om rationel ordination af antibiotika med udgangspunkt i egne data",
        "revised_on": date(2023, 6, 21),
        "introduction": (
            "Sundheds- og Ældreministeriet har fastlagt overordnede mål for antibiotikaforbruget til mennesker i en national "
            "handleplan frem mod 2020.\n\nMålene går ud på at begrænse det samlede forbrug og anvende en større andel "
            "smalspektret antibiotika.\n\nMed denne klyngepakke arbejder vi med rationel ordination af antibiotika med "
            "udgangspunkt i egne data.\n\nDenne pakke kan med fordel suppleres med pakken Urinvejsinfektioner hos ældre."
        ),
        "why_important": "Et restriktivt antibiotikafokus er nødvendigt for at begrænse fremtidens resistensudvikling mest muligt.",
        "what_to_expect": "I får mulighed for at drøfte med kollegaer, hvordan der kan arbejdes med at reducere antibiotikaforbruget fremadrettet.",
        "method": (
            "En farmaceut fra Lægemiddelenheden holder et fagligt oplæg (20-30 minutter), hvor klyngens data bliver præsenteret, "
            "og der gives en kort orientering om anbefalinger på lægemiddelområdet.\n\nPå klyngemødet vil du blive præsenteret for "
            "relevant baggrundsmateriale for behandling med antibiotika, blandt andet de nationale mål og regionale vejledninger, "
            "samt få udleveret din praksis' ordinationsmønster på relevante grupper af antibiotika.\n\nDer vil være en diskussion i "
            "grupper af behandlingen af de hyppigst forekomne infektioner sammenholdt med egne data og data på landsplan."
        ),
        "duration_minutes": 180,
        "price": "Pakken er gratis.",
        "provider_text": "Denne pakke er udarbejdet af KAP-S i samarbejde med Lægemiddelenheden.",
        "contact_email": "laegemiddelenheden@example.dk",
        "contact_text": "Ved spørgsmål relateret til pakken samt rekvirering af underviser: kontakt Lægemiddelenheden pr. mail.",
        "extract_lead_days": 60,
        "follow_up_min_months": 6,
        "goal_levels": list(GoalLevel.values),
        "is_published": True,
    }
    package = services.package_save(
        package=Package(provider=provider, slug=PACKAGE_SLUG),
        fields=fields,
        items=items,
        version=None,
        user=user,
    )
    summary.add("klyngepakker")
    return package


def _people(count: int, rng) -> list[tuple[str, str]]:
    names = set()
    while len(names) < count:
        names.add((rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)))
    return sorted(names)


def _cluster_data(
    cluster, package, coordinator, doctor, pharmacist, users: Users, today: date, summary: Summary
) -> None:
    rng = rng_for("cluster", CLUSTER_SLUG)
    np_rng = np.random.default_rng(rng.randrange(2**32))
    this_month = today.replace(day=1)
    first_meeting_day = _month_add(this_month, -8) + timedelta(days=11)
    follow_up_day = today + timedelta(days=42)
    data_first, data_last = _month_add(this_month, -36), _month_add(this_month, -1)
    months = []
    month = data_first
    while month <= data_last:
        months.append(month)
        month = _month_add(month, 1)
    meeting_month = first_meeting_day.replace(day=1)

    names = _people(sum(p[3] for p in PRACTICES), rng)
    prescribers: list[
        tuple[str, str, str, float, dict[str, float]]
    ] = []  # practice code, id, name, weight, factors
    index = 0
    for code, _name, _listed, count in PRACTICES:
        for n in range(count):
            first, last = names[index]
            index += 1
            # Each doctor's own habits: how much penicillin V, how many critically important and macrolides.
            factors = {
                "J01CE02": math.exp(rng.gauss(0, 0.22)),
                "critical": math.exp(rng.gauss(0, 0.55)),
                "J01FA": math.exp(rng.gauss(0, 0.4)),
            }
            prescribers.append((code, f"{code}-{n + 1}", f"{first} {last}", rng.uniform(0.6, 1.4), factors))
    # The demo logins are doctors too: the coordinator in the first practice, the doctor in the third.
    prescribers[0] = (
        *prescribers[0][:2],
        f"{COORDINATOR.first_name} {COORDINATOR.last_name}",
        *prescribers[0][3:],
    )
    third = next(i for i, p in enumerate(prescribers) if p[0] == PRACTICES[2][0])
    prescribers[third] = (
        *prescribers[third][:2],
        f"{DOCTOR.first_name} {DOCTOR.last_name}",
        *prescribers[third][3:],
    )

    practice_rate = {code: rng.gauss(335, 55) for code, *_ in PRACTICES}
    listed = {code: base for code, _n, base, _c in PRACTICES}
    lines_by_month: dict[date, list[ExtractLine]] = {m: [] for m in months}
    for m_index, month in enumerate(months):
        after = month > meeting_month
        for code, practice_name, _base, _count in PRACTICES:
            # Listed patients drift slowly (new patients, deaths, moves).
            patients = int(listed[code] * (1 + 0.0015 * m_index) + rng.randint(-15, 15))
            own = [p for p in prescribers if p[0] == code]
            weights = sum(p[3] for p in own)
            practice_counts: dict[str, int] = {}
            for _p_code, ident, name, weight, factors in own:
                for atc, (share, respiratory) in MIX.items():
                    factor = (
                        factors["J01CE02"]
                        if atc == "J01CE02"
                        else factors["critical"]
                        if atc.startswith(CRITICAL)
                        else factors["J01FA"]
                        if atc.startswith("J01FA")
                        else 1.0
                    )
                    expected = (
                        (patients * practice_rate[code] / 1000 / 12)
                        * (weight / weights)
                        * share
                        * factor
                        * _season(month.month, respiratory)
                        * _effect(atc, after)
                    )
                    count = int(np_rng.poisson(expected))
                    if count == 0:
                        continue
                    practice_counts[atc] = practice_counts.get(atc, 0) + count
                    lines_by_month[month].append(
                        ExtractLine(
                            0,
                            "prescriber",
                            code,
                            practice_name,
                            ident,
                            name,
                            month,
                            1,
                            atc,
                            count,
                            None,
                            None,
                        )
                    )
            for atc, (share, _respiratory) in MIX.items():
                # A few prescriptions by locums (vikarer), which count for the practice but no named doctor.
                count = practice_counts.get(atc, 0) + int(
                    np_rng.poisson(0.03 * patients * practice_rate[code] / 12000 * share)
                )
                lines_by_month[month].append(
                    ExtractLine(
                        0, "practice", code, practice_name, "", "", month, 1, atc, count, None, patients
                    )
                )
        for scope, population, rate in (("region", REGION_LISTED, 342.0), ("country", COUNTRY_LISTED, 318.0)):
            for atc, (share, respiratory) in MIX.items():
                shift = 0.94 if (scope == "country" and atc.startswith(CRITICAL)) else 1.0
                count = int(
                    np_rng.poisson(
                        population * rate / 12000 * share * shift * _season(month.month, respiratory)
                    )
                )
                lines_by_month[month].append(
                    ExtractLine(0, scope, "", "", "", "", month, 1, atc, count, None, population)
                )

    first = services.meeting_create(
        cluster=cluster,
        package=package,
        day=first_meeting_day,
        place="Lægerne på Torvet, mødelokalet, Torvet 3, Køge",
        extract_wishes="Antibiotika (J01) pr. praksis og pr. behandler, 24 måneder, med region og land.",
        user=coordinator,
    )
    Meeting.objects.filter(pk=first.pk).update(
        status=Meeting.Status.HELD, extract_requested_on=first_meeting_day - timedelta(days=74)
    )
    first.refresh_from_db()
    for period_first, period_last, meeting in (
        (_month_add(meeting_month, -26), _month_add(meeting_month, -3), first),
    ):
        _import(cluster, meeting, lines_by_month, period_first, period_last, pharmacist)

    for username, prescriber_name in (
        (COORDINATOR.username, prescribers[0][2]),
        (DOCTOR.username, prescribers[third][2]),
    ):
        user = users.ensure([COORDINATOR if username == COORDINATOR.username else DOCTOR])[username]
        prescriber = Prescriber.objects.get(practice__cluster=cluster, name=prescriber_name)
        # As the coordinator would on the cluster's member page (the demo coordinator first).
        services.cluster_membership_add(
            cluster=cluster,
            member=user,
            role=ClusterMembership.Role.COORDINATOR
            if username == COORDINATOR.username
            else ClusterMembership.Role.MEMBER,
            practice=prescriber.practice,
            prescriber=prescriber,
            user=coordinator,
        )
    summary.add("klyngemedlemmer", 2)

    answers = [
        "At vi udskriver flere bredspektrede penicilliner og makrolider, end vi troede, især i vintermånederne, og at forskellen mellem os er større end forventet.",
        "Ja: flere vil bruge CRP og »vent og se«-recepter ved luftvejsinfektioner og vælge penicillin V som førstevalg.",
        "Vi følger vores egne tal og mødes igen om et halvt år med et nyt datatræk.",
        "Patientinformation om forventet forløb af luftvejsinfektioner, og Lægemiddelenhedens vejledning som fast opslag.",
        "Fælles instruks for telefonkonsultationer om urinvejsinfektioner; gennemgå egne recepter på fluorquinoloner.",
    ]
    services.discussion_save(
        meeting=first,
        answers=[
            (item, item.text, answer)
            for item, answer in zip(
                package.items.filter(kind=PackageItem.Kind.QUESTION), answers, strict=False
            )
        ],
        version=first.version,
        user=coordinator,
    )
    own_practice = Prescriber.objects.get(practice__cluster=cluster, user=doctor).practice
    for level, text, measure, target, practice, prescriber in (
        (
            GoalLevel.CLUSTER,
            "Klyngen udskriver under 310 recepter pr. 1.000 tilmeldte patienter pr. år.",
            MeetingGoal.Measure.RATE,
            310,
            None,
            None,
        ),
        (
            GoalLevel.CLUSTER,
            "Andelen af penicillin V er mindst 40 %.",
            MeetingGoal.Measure.PENICILLIN_V,
            40,
            None,
            None,
        ),
        (
            GoalLevel.PRACTICE,
            "Vi halverer antallet af fluorquinolon-recepter ved ukompliceret cystitis.",
            MeetingGoal.Measure.CRITICAL,
            2,
            own_practice,
            None,
        ),
        (
            GoalLevel.PRESCRIBER,
            "Jeg vælger penicillin V som førstevalg ved tonsillitis og otitis.",
            MeetingGoal.Measure.PENICILLIN_V,
            45,
            None,
            Prescriber.objects.get(practice__cluster=cluster, user=doctor),
        ),
        (
            GoalLevel.PATIENT,
            "Patienter med ukompliceret luftvejsinfektion får en skriftlig plan for »vent og se« i stedet for en recept.",
            "",
            None,
            None,
            None,
        ),
    ):
        services.goal_add(
            meeting=first,
            level=level,
            text=text,
            measure=measure,
            target_value=target,
            practice=practice,
            prescriber=prescriber,
            user=coordinator,
        )
    summary.add("mål", 5)

    follow_up = services.meeting_create(
        cluster=cluster,
        package=package,
        day=follow_up_day,
        kind=Meeting.Kind.FOLLOW_UP,
        follows=first,
        place="Solrød Lægecenter, Solrød Center 12",
        extract_wishes="Samme datatræk som sidst, til og med seneste hele måned.",
        user=coordinator,
    )
    services.meeting_mark_extract_requested(
        meeting=follow_up, on=follow_up_day - timedelta(days=75), user=coordinator
    )
    _import(cluster, follow_up, lines_by_month, _month_add(data_last, -23), data_last, pharmacist)
    summary.add("klyngemøder", 2)


def _import(cluster, meeting, lines_by_month, first: date, last: date, user: User | AnonymousUser) -> None:
    lines = [
        line
        for month, month_lines in lines_by_month.items()
        if first <= month <= last
        for line in month_lines
    ]
    services.extract_import(
        cluster=cluster,
        meeting=meeting,
        parsed=ParsedExtract(lines=lines, granularity="month"),
        filename="ordiprax-datatraek.csv",
        user=user,
    )
