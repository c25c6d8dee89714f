"""The improvement work of LKT Antibiotika's improving teams: PDSA cycles, annotations, targets, chart settings."""

from datetime import timedelta
from decimal import Decimal

from measures.models import Annotation, ChartSettings, LocalTarget, PDSACycle, PhaseBreak
from measures.months import add_months
from teams.models import add_months as add_months_to_day

from .antibiotika_data import TeamSpec
from .common import Summary, rng_for


def improvement_work_build(
    team, spec: TeamSpec, copy, indicators, members, first_month, last_month, summary: Summary
) -> None:
    """PDSA cycles, annotations, local targets and chart settings of a team whose changes worked."""
    change = add_months(first_month, spec.change_month)
    lead = members[0]
    ideas = {node.code: node for node in copy.nodes.all()}
    cycles = [
        (
            "PDSA 1: Antibiotika-time-out på stuegang – én læge, én dag",
            "C1.1",
            -3,
            14,
            PDSACycle.Decision.ADAPT,
            ("revurderet-48t",),
            "Vil en fast time-out på stuegang dag 2 få lægerne til at revurdere behandlingen?",
            "Mindst 4 af 5 patienter i antibiotikabehandling bliver revurderet.",
            "Time-out blev gennemført hos 6 patienter; to blev skiftet til smalspektret behandling.",
            "Revurdering hos 5 af 6 – bedre end forudsagt, men tjeklisten var for lang.",
            "Tilpasser: kortere tjekliste med tre spørgsmål. Testes på alle stuegange i en uge.",
        ),
        (
            "PDSA 2: Time-out på alle stuegange i ét afsnit i to uger",
            "C1.1",
            -2,
            14,
            PDSACycle.Decision.ADOPT,
            ("revurderet-48t", "ddd"),
            "Kan time-out gennemføres af alle læger i afsnittet?",
            "Mindst 80 % af patienterne revurderes inden for 48 timer.",
            "Tjeklisten blev hængt op ved tavlen; den kliniske farmaceut deltog to dage om ugen.",
            "86 % revurderet; lægerne oplevede det som en lettelse, at farmaceuten deltog.",
            "Implementeres i hele afdelingen fra næste måned.",
        ),
        (
            "PDSA 3: Stopdato angives ved ordination",
            "D1.1",
            -1,
            21,
            PDSACycle.Decision.ADOPT,
            ("behandlingsvarighed", "ddd"),
            "Bliver behandlingen kortere, når stopdatoen skrives ved ordinationen?",
            "Gennemsnitlig behandlingsvarighed falder med mindst én dag.",
            "Stopdato blev angivet ved 41 af 50 ordinationer i testperioden.",
            "Varigheden faldt fra 9,4 til 7,8 dage i testperioden.",
            "Indarbejdet i afdelingens instruks.",
        ),
        (
            "PDSA 4: Påmindelse ved ordination af kritisk vigtige antibiotika",
            "B2.1",
            2,
            21,
            PDSACycle.Decision.ABANDON,
            ("kritisk-vigtige",),
            "Vil en påmindelse i medicinmodulet få lægerne til at vælge smalspektret behandling?",
            "Andelen af kritisk vigtige antibiotika falder.",
            "Påmindelsen kunne kun vises som fritekst og blev overset.",
            "Ingen ændring i de to testuger.",
            "Forkastes; i stedet gennemgår den kliniske farmaceut ordinationerne (B1.2).",
        ),
        (
            "PDSA 5: Lommekort med afdelingens førstevalg",
            "B1.1",
            None,
            None,
            "",
            ("kritisk-vigtige",),
            "Bruger yngre læger lommekortet i vagten?",
            "Halvdelen af reservelægerne bruger kortet mindst én gang pr. vagt.",
            "",
            "",
            "",
        ),
    ]
    for title, idea, offset, length, decision, codes, question, prediction, do, study, act in cycles:
        if idea not in ideas:
            continue  # the team removed this change idea from its copy
        if offset is None:
            start, end, status = last_month.replace(day=3), None, PDSACycle.Status.RUNNING
        else:
            start = add_months(change, offset).replace(day=5)
            end, status = start + timedelta(days=length), PDSACycle.Status.COMPLETED
        cycle, created = PDSACycle.objects.get_or_create(
            team=team,
            title=title,
            defaults={
                "change_idea": ideas[idea],
                "objective": ideas[idea].text,
                "question": question,
                "prediction": prediction,
                "plan": f"Hvem: {lead.get_full_name()} og to sygeplejersker. "
                "Hvor: ét sengeafsnit. Data: afkrydsningsskema ved tavlen.",
                "do_notes": do,
                "study_notes": study,
                "act_notes": act,
                "decision": decision,
                "status": status,
                "start_date": start,
                "end_date": end,
                "created_by": lead,
            },
        )
        if created:
            cycle.indicators.set([indicators[code] for code in codes])
            summary.add("PDSA-cyklusser")

    annotations = [
        (
            change,
            None,
            Annotation.Kind.INTERVENTION,
            "Antibiotika-time-out på stuegang dag 2 indført i hele afdelingen (PDSA 2)",
        ),
        (
            add_months(change, 1).replace(day=8),
            indicators["behandlingsvarighed"],
            Annotation.Kind.INTERVENTION,
            "Stopdato ved ordination indarbejdet i instruksen (PDSA 3)",
        ),
        (
            add_months(change, -6).replace(day=15),
            None,
            Annotation.Kind.EVENT,
            "Teamet deltog i 1. læringsseminar og lavede lokalt driverdiagram",
        ),
    ]
    for day, indicator, kind, text in annotations:
        _, created = Annotation.objects.get_or_create(
            team=team,
            date=day,
            text=text,
            defaults={"indicator": indicator, "kind": kind, "created_by": lead},
        )
        summary.add("kommentarer på diagrammer", int(created))

    rng = rng_for("target", team.code)
    for code, value in (
        ("ddd", Decimal(str(round(rng.uniform(62, 80), 1)))),
        ("revurderet-48t", Decimal("90")),
    ):
        _, created = LocalTarget.objects.get_or_create(
            team=team,
            indicator=indicators[code],
            defaults={
                "value": value,
                "deadline": add_months_to_day(team.network.end_date, -3),
                "set_by": lead,
                "note": "Vedtaget på teammødet efter 1. læringsseminar.",
            },
        )
        summary.add("lokale mål", int(created))

    if team.code in {"bfh-med", "ouh-inf", "auh-inf", "aauh-inf"}:
        _, created = ChartSettings.objects.get_or_create(
            team=team,
            indicator=indicators["ddd"],
            defaults={"baseline_end": add_months(first_month, 11), "updated_by": lead},
        )
        summary.add("diagramindstillinger", int(created))
        _, created = PhaseBreak.objects.get_or_create(
            team=team,
            indicator=indicators["ddd"],
            period=change,
            defaults={"label": "Time-out på stuegang"},
        )
        summary.add("faseskift", int(created))
