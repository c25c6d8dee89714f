"""The seminars of LKT Antibiotika: purposes and learning objectives from the project's seminar overview."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from measures.months import add_months
from seminars.models import (
    Attendance,
    Audience,
    LearningObjective,
    ProgrammeItem,
    Registration,
    Seminar,
    SeminarPurpose,
)

from .common import Summary, rng_for

COPENHAGEN = ZoneInfo("Europe/Copenhagen")

PURPOSE_LEARNING = [
    "At deltagerne opnår motivation, viden og kompetencer ift. forbedringsmetodik og kliniske indsatser, "
    "således at LKT kan indfri målsætningerne.",
    "At læringsseminarerne understøtter vidensdeling og netværksdannelse.",
]
PURPOSE_LEARNING_LATER = [
    "At deltagerne motiveres og opbygger viden og kompetencer i forhold til forbedringsmetodik og kliniske "
    "indsatser, således at LKT med forbedringsarbejdet kan indfri målsætningerne.",
    "At læringsseminarerne understøtter vidensdeling og netværksdannelse.",
]
OBJECTIVES_LEARNING_1 = [
    "Deltagerne forstår indholdet af og formålet med projektet.",
    "Deltagerne får kendskab til at definere lokale målsætninger og arbejdet med forbedringsmetoder.",
    "Deltagerne kan se, hvordan de med lærings- og kvalitetsteamet kan forbedre kvaliteten af deres daglige arbejde.",
    "Deltagerne er motiverede for at gå hjem og engagere deres kollegaer i forbedringsarbejdet.",
    "Deltagerne ved, hvor de henter supplerende viden og støtte til forbedringsarbejdet.",
]
OBJECTIVES_LEARNING_2_3 = [
    "Deltagerne har efter behov fået supplerende viden om arbejdet med forbedringsmetoder og indholdet i LKT "
    "Antibiotika, herunder fx uddybning og/eller drøftelse af indsatser eller delelementer, der volder problemer "
    "for forbedringsteams, uddybning/repetition af forbedringsmetodik ift. udfordringer og anvendelse af PDSA og "
    "faldgruber.",
    "Justering af lokale driverdiagrammer – deltagerne får redskaber til at involvere deres kollegaer i "
    "forbedringsarbejdet, fx uddybning af viden om motivation, engagement, modstand og barrierer ift. forandringer "
    "samt teamsamarbejde og i at lede opad.",
    "Deltagerne har fået praktisk indsigt i værdien af deling af viden og erfaringer med andre teams.",
    "Deltagerne har fået sparring på deres konkrete udfordringer.",
    "Deltagerne ved, hvad de konkret skal gå hjem og arbejde videre på.",
]


@dataclass
class SeminarSpec:
    kind: str
    number: int
    title: str
    month_offset: int  # months after the network's first month
    day: int
    hours: tuple[int, int]
    audience: str
    place: str = ""
    address: str = ""
    online_url: str = ""
    capacity: int | None = None
    preparation: str = ""
    purposes: list[tuple[str, str]] = field(default_factory=list)  # (audience, text)
    objectives: list[tuple[str, str]] = field(default_factory=list)  # (audience, text)
    programme: list[tuple[str, str, str, str]] = field(default_factory=list)  # from, to, title, speaker


def _learning_programme(topic: str) -> list[tuple[str, str, str, str]]:
    return [
        ("09:30", "10:00", "Ankomst, kaffe og registrering", ""),
        ("10:00", "10:30", "Velkomst og status på LKT Antibiotika", "National projektledelse"),
        ("10:30", "11:30", topic, "Ekspertgruppen"),
        ("11:30", "12:15", "Frokost", ""),
        ("12:15", "13:30", "Teams deler erfaringer: posterwalk med seriediagrammer", "Forbedringsteams"),
        ("13:30", "14:45", "Arbejde i teams: justering af driverdiagram og nye PDSA-cyklusser", ""),
        ("14:45", "15:30", "Hjem og i gang: hvad gør vi i morgen?", "Forbedringsekspert"),
    ]


SEMINARS = [
    SeminarSpec(
        kind=Seminar.Kind.LEADERSHIP,
        number=1,
        title="Ledelsesseminar (kick-off)",
        month_offset=-1,
        day=18,
        hours=(10, 15),
        audience=Audience.LEADERS,
        capacity=80,
        place="Hotel Nyborg Strand",
        address="Østerøvej 2, 5800 Nyborg",
        preparation="Udpeg de afdelinger og medarbejdere, der skal deltage i forbedringsteamet, og tag gerne "
        "afdelingens seneste tal for antibiotikaforbrug med.",
        purposes=[
            (
                Audience.LEADERS,
                "At sikre, at lederne har tilstrækkelig viden og indsigt i klinisk indhold og forbedringsmetodik "
                "til at være motiveret til og give den nødvendige ledelsesopbakning til LKT Antibiotika og til "
                "forbedringsarbejdet, således at forbedringsarbejdet kan indfri målsætningerne.",
            )
        ],
        objectives=[
            (Audience.LEADERS, text)
            for text in [
                "Lederne skal opnå indsigt i målsætninger for forbedringsarbejdet og klinisk indhold i LKT Antibiotika.",
                "Lederne skal kunne understøtte, at der defineres ambitiøse men realistiske lokale målsætninger for de "
                "to mål (mål 1 og 2).",
                "Lederne skal forstå betydningen af at understøtte forbedringsarbejdet samt deres opgave i at udvælge "
                "de rette medarbejdere til at deltage i lærings- og kvalitetsteamet.",
                "Lederne skal kende til og kunne anvende de ledelsesmæssige og faglige fora/netværk fx i egen region, "
                "der kan understøtte og motivere forbedringsarbejdet ift. LKT Antibiotika.",
            ]
        ],
        programme=[
            (
                "10:00",
                "10:20",
                "Velkomst: hvorfor rationel brug af antibiotika?",
                "Formand for ekspertgruppen",
            ),
            ("10:20", "11:15", "Målene for LKT Antibiotika og indsatsområderne A–D", "Ekspertgruppen"),
            ("11:15", "12:00", "Ledelse af forbedringsarbejde", "Forbedringsekspert"),
            ("12:00", "12:45", "Frokost", ""),
            (
                "12:45",
                "14:15",
                "Regionale drøftelser: lokale mål og valg af medarbejdere",
                "Regionale tovholdere",
            ),
            ("14:15", "15:00", "Opsamling og næste skridt", "National projektledelse"),
        ],
    ),
    SeminarSpec(
        kind=Seminar.Kind.LEARNING,
        number=1,
        title="1. læringsseminar",
        month_offset=0,
        day=12,
        hours=(9, 16),
        audience=Audience.TEAMS,
        capacity=120,
        place="Odense Congress Center",
        address="Ørbækvej 350, 5220 Odense SØ",
        preparation="Gennemfør e-læringsmodulet i forbedringsarbejde, og tag teamets data for de seneste seks "
        "måneder med (baseline).",
        purposes=[(Audience.TEAMS, text) for text in PURPOSE_LEARNING],
        objectives=[(Audience.TEAMS, text) for text in OBJECTIVES_LEARNING_1],
        programme=_learning_programme("Forbedringsmodellen, lokale mål og driverdiagrammet"),
    ),
    SeminarSpec(
        kind=Seminar.Kind.WEBINAR,
        number=1,
        title="Webinar: Seriediagrammer og PDSA i praksis",
        month_offset=3,
        day=20,
        hours=(14, 15),
        audience=Audience.TEAMS,
        online_url="https://moede.example.dk/lkt-antibiotika/webinar-1",
        preparation="Hav teamets seriediagram for DDD pr. 100 sengedage klar.",
        purposes=[
            (
                Audience.TEAMS,
                "At teams kan læse deres seriediagrammer og planlægge små tests af forandringer.",
            )
        ],
        objectives=[
            (Audience.TEAMS, text)
            for text in [
                "Deltagerne kan genkende ikke-tilfældig variation i et seriediagram (Anhøjs regler).",
                "Deltagerne kan formulere spørgsmål og forudsigelse i en PDSA-cyklus.",
            ]
        ],
        programme=[
            ("14:00", "14:40", "Oplæg og eksempler fra teams", "Dataekspert"),
            ("14:40", "15:00", "Spørgsmål", ""),
        ],
    ),
    SeminarSpec(
        kind=Seminar.Kind.LEARNING,
        number=2,
        title="2. læringsseminar",
        month_offset=7,
        day=9,
        hours=(9, 16),
        audience=Audience.TEAMS,
        capacity=120,
        place="Comwell Kolding",
        address="Skovbrynet 1, 6000 Kolding",
        preparation="Tag teamets driverdiagram og to afsluttede PDSA-cyklusser med.",
        purposes=[(Audience.TEAMS, text) for text in PURPOSE_LEARNING_LATER],
        objectives=[(Audience.TEAMS, text) for text in OBJECTIVES_LEARNING_2_3],
        programme=_learning_programme("Revurdering og behandlingsvarighed: erfaringer fra teams"),
    ),
    SeminarSpec(
        kind=Seminar.Kind.WEBINAR,
        number=2,
        title="Webinar: Fastholdelse af forbedringer",
        month_offset=11,
        day=15,
        hours=(14, 15),
        audience=Audience.TEAMS,
        online_url="https://moede.example.dk/lkt-antibiotika/webinar-2",
        purposes=[(Audience.TEAMS, "At teams deler, hvordan de fastholder de forandringer, der virker.")],
        objectives=[(Audience.TEAMS, "Deltagerne kender tre metoder til at fastholde en ny arbejdsgang.")],
        programme=[
            ("14:00", "14:45", "Tre teams fortæller", "Forbedringsteams"),
            ("14:45", "15:00", "Spørgsmål", ""),
        ],
    ),
    SeminarSpec(
        kind=Seminar.Kind.LEARNING,
        number=3,
        title="3. læringsseminar",
        month_offset=14,
        day=4,
        hours=(9, 16),
        audience=Audience.TEAMS,
        capacity=120,
        place="Hotel Nyborg Strand",
        address="Østerøvej 2, 5800 Nyborg",
        preparation="Tag teamets seriediagrammer med faseskift og en plakat om teamets vigtigste læring med.",
        purposes=[(Audience.TEAMS, text) for text in PURPOSE_LEARNING_LATER],
        objectives=[(Audience.TEAMS, text) for text in OBJECTIVES_LEARNING_2_3],
        programme=_learning_programme("Spredning i egen afdeling og til nabosengeafsnit"),
    ),
    SeminarSpec(
        kind=Seminar.Kind.CLOSING,
        number=1,
        title="Afslutningsseminar for forbedringsteams og ledere",
        month_offset=32,
        day=10,
        hours=(9, 16),
        audience=Audience.BOTH,
        capacity=200,
        place="Odense Congress Center",
        address="Ørbækvej 350, 5220 Odense SØ",
        preparation="Forbered en plakat med teamets resultater og en plan for fastholdelse og spredning.",
        purposes=[
            (Audience.TEAMS, text)
            for text in [
                "At ledere og forbedringsteams sammen fejrer de opnåede resultater og lærer af udfordringerne i "
                "forbedringsarbejdet med henblik på fastholdelse og udbygning af forbedringerne.",
                "At sikre et godt grundlag for det videre forbedringsarbejde ved at fastholde motivation og konsolidere "
                "redskaber dertil.",
                "At afslutningsseminaret understøtter vidensdeling og netværksdannelse.",
            ]
        ]
        + [
            (Audience.LEADERS, text)
            for text in [
                "At ledere og forbedringsteams sammen fejrer de opnåede resultater og lærer af udfordringerne i "
                "forbedringsarbejdet med henblik på fastholdelse og udbygning af forbedringerne.",
                "At lederne er motiverede for og forstår ledelsesopgaven i forhold til LKT Antibiotika og fremtidige "
                "forbedringsindsatser, således at de kan understøtte forbedringsarbejdet, sikre fastholdelse af opnåede "
                "resultater samt sikre spredning af forbedringsarbejdet til andre afdelinger.",
                "At afslutningsseminaret understøtter ledelsesnetværk både regionalt og tværregionalt.",
            ]
        ],
        objectives=[
            (Audience.TEAMS, text)
            for text in [
                "Deltagerne får ledelsesmæssig opbakning og redskaber til at fastholde og udbygge resultater efter "
                "projektets afslutning.",
                "Deltagerne er motiverede for at fortsætte med at arbejde med forbedringsmetoder efter projektets "
                "afslutning.",
                "Deltagerne har fået værdifuld inspiration fra andre teams og lederne.",
                "Deltagerne har fået styrket deres netværk til andre teams.",
                "Deltagerne har fået sparring på deres konkrete udfordringer og kender retning i det videre "
                "forbedringsarbejde lokalt.",
            ]
        ]
        + [
            (Audience.LEADERS, text)
            for text in [
                "Lederne skal have kendskab til opnåede resultater i LKT Antibiotika.",
                "Lederne skal blive motiveret for fortsat forbedringsarbejde, herunder fastholdelse af opnåede "
                "resultater og spredning til nye afdelinger.",
                "Lederne skal kende til aktuel viden om, hvordan man sikrer fastholdelse og spredning af "
                "forbedringsarbejdet, herunder betydningen af ledelsens fortsatte arbejde med motivation og kultur ift. "
                "forbedringsarbejdet.",
                "Lederne skal fastholdes i at anvende de ledelsesmæssige og faglige fora/netværk fx i egen region, der "
                "kan understøtte forbedringsarbejdet ift. LKT Antibiotika og nye forbedringsindsatser.",
                "Lederne skal gennem projektperioden have opnået indsigt til gavn for kommende forbedringsarbejde hvad "
                "angår betydningen af ledelsesmæssig understøttelse, udvælgelse af rette medarbejdere, anvendte "
                "forbedringsmetoder og betydningen af at definere ambitiøse og realistiske lokale målsætninger.",
            ]
        ],
        programme=[
            ("09:30", "10:00", "Ankomst og kaffe", ""),
            ("10:00", "10:45", "Resultater af LKT Antibiotika", "National projektledelse"),
            ("10:45", "12:00", "Posterwalk: teamenes resultater", "Forbedringsteams"),
            ("12:00", "12:45", "Frokost", ""),
            ("12:45", "14:00", "Fastholdelse og spredning: ledelsens rolle", "Forbedringsekspert"),
            ("14:00", "15:15", "Teams og ledere: plan for de næste 12 måneder", ""),
            ("15:15", "16:00", "Fejring og afslutning", "Formand for ekspertgruppen"),
        ],
    ),
]


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=COPENHAGEN)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def seminars_build(
    *, network, teams: list, members_by_team: dict, leaders: list, organiser, today: date, summary: Summary
) -> list[Seminar]:
    """The seven seminars; registrations and attendance for the past ones, registrations for the next."""
    result = []
    for spec in SEMINARS:
        day = add_months(network.first_period, spec.month_offset).replace(day=spec.day)
        seminar, created = Seminar.objects.get_or_create(
            network=network,
            kind=spec.kind,
            number=spec.number,
            defaults={
                "title": spec.title,
                "starts_at": _at(day, spec.hours[0]),
                "ends_at": _at(day, spec.hours[1]),
                "place": spec.place,
                "address": spec.address,
                "online_url": spec.online_url,
                "audience": spec.audience,
                "capacity": spec.capacity,
                "preparation": spec.preparation,
            },
        )
        result.append(seminar)
        if not created:
            continue
        summary.add("seminarer")
        SeminarPurpose.objects.bulk_create(
            SeminarPurpose(seminar=seminar, audience=audience, text=text, order=order)
            for order, (audience, text) in enumerate(spec.purposes)
        )
        LearningObjective.objects.bulk_create(
            LearningObjective(seminar=seminar, audience=audience, text=text, order=order)
            for order, (audience, text) in enumerate(spec.objectives)
        )
        ProgrammeItem.objects.bulk_create(
            ProgrammeItem(
                seminar=seminar, starts_at=_clock(start), ends_at=_clock(end), title=title, speaker=speaker
            )
            for start, end, title, speaker in spec.programme
        )
        _participants_build(seminar, spec, teams, members_by_team, leaders, organiser, today, summary)
    return result


def _participants_build(
    seminar: Seminar,
    spec: SeminarSpec,
    teams: list,
    members_by_team: dict,
    leaders: list,
    organiser,
    today: date,
    summary: Summary,
) -> None:
    rng = rng_for("seminar", seminar.network.slug, spec.kind, spec.number)
    is_past = seminar.starts_at.date() < today
    if not is_past and seminar.starts_at.date() - today > timedelta(days=120):
        return  # registration opens about four months before
    participants: list[tuple] = []  # (user, team)
    if spec.audience in (Audience.LEADERS, Audience.BOTH):
        participants += [(leader, None) for leader in leaders]
    if spec.audience in (Audience.TEAMS, Audience.BOTH):
        for team in teams:
            members = members_by_team[team.id]
            # Two or three from each team; a few teams send no one to a webinar.
            if spec.kind == Seminar.Kind.WEBINAR and rng.random() < 0.25:
                continue
            participants += [(user, team) for user in members[: rng.choice([2, 3])]]
    seen = set()
    registrations = []
    attendances = []
    for user, team in participants:
        if user.id in seen:
            continue
        seen.add(user.id)
        registrations.append(
            Registration(
                seminar=seminar,
                user=user,
                team=team,
                registered_by=user,
                status=Registration.Status.CANCELLED
                if rng.random() < 0.04
                else Registration.Status.REGISTERED,
            )
        )
        if is_past and registrations[-1].status == Registration.Status.REGISTERED and rng.random() < 0.9:
            attendances.append(Attendance(seminar=seminar, user=user, team=team, recorded_by=organiser))
    Registration.objects.bulk_create(registrations)
    Attendance.objects.bulk_create(attendances)
    summary.add("tilmeldinger", len(registrations))
    summary.add("fremmøder", len(attendances))
