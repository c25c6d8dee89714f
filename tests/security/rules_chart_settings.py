"""Permission-matrix rules for a team's chart settings and annotations (measures/urls/chart_settings.py).

Every URL is checked with a real POST. The matrix posts once per role against the same world, so
`data` is computed per role: it picks a month that is still free, or puts back the object a
permitted role removed before, so that every permitted role gets the redirect of a valid save.
"""

import uuid
from datetime import date

from measures.models import Annotation, ChartSettings, ExcludedPoint, PhaseBreak
from tests.base import World, month

from .matrix import REDIRECT, TEAM_LEAD_WRITE, TEAM_WRITE, Rule

LEAD_POST = {**TEAM_LEAD_WRITE, "team_lead": REDIRECT, "staff": REDIRECT}
TEAM_POST = {**TEAM_WRITE, "data_entry": REDIRECT, "team_lead": REDIRECT, "staff": REDIRECT}

MATRIX_ANNOTATION = uuid.UUID("00000000-0000-4000-8000-00000000c0de")
REMOVED_PHASE = month(2024, 6)
REMOVED_POINT = month(2024, 8)


def series(w: World) -> dict:
    return {"team_uuid": w.team_a.uuid, "indicator_uuid": w.indicator.uuid}


def baseline_data(w: World) -> dict:
    settings = ChartSettings.objects.filter(team=w.team_a, indicator=w.indicator).first()
    return {"baseline_end": "2024-12", "version": settings.version if settings else ""}


def free_phase_month(w: World) -> dict:
    taken = set(
        PhaseBreak.objects.filter(team=w.team_a, indicator=w.indicator).values_list("period", flat=True)
    )
    period = next(p for p in w.months[12:] if p not in taken)
    return {"period": period.strftime("%Y-%m"), "label": "Matrix"}


def free_excluded_month(w: World) -> dict:
    taken = set(
        ExcludedPoint.objects.filter(team=w.team_a, indicator=w.indicator).values_list("period", flat=True)
    )
    period = next(p for p in w.months[12:] if p not in taken)
    return {"period": period.strftime("%Y-%m"), "reason": "Matrix"}


def with_phase_break(w: World) -> dict:
    PhaseBreak.objects.get_or_create(team=w.team_a, indicator=w.indicator, period=REMOVED_PHASE)
    return {}


def with_excluded_point(w: World) -> dict:
    ExcludedPoint.objects.get_or_create(
        team=w.team_a, indicator=w.indicator, period=REMOVED_POINT, defaults={"reason": "Matrix"}
    )
    return {}


def with_annotation(w: World) -> dict:
    Annotation.objects.get_or_create(
        uuid=MATRIX_ANNOTATION, defaults={"team": w.team_a, "date": date(2024, 9, 3), "text": "Matrix"}
    )
    return {}


def annotation_data(w: World) -> dict:
    return {"indicator": str(w.indicator.uuid), "date": "2024-09-03", "kind": "note", "text": "Matrix"}


CHART_SETTINGS_RULES: dict[str, Rule | list[Rule]] = {
    "measures:chart-settings": [
        Rule(kwargs=series, expected=TEAM_LEAD_WRITE),
        Rule(kwargs=series, method="post", data=baseline_data, expected=LEAD_POST),
    ],
    "measures:phase-break-add": Rule(kwargs=series, method="post", data=free_phase_month, expected=LEAD_POST),
    "measures:phase-break-remove": Rule(
        kwargs=lambda w: {**series(w), "period": REMOVED_PHASE.strftime("%Y-%m")},
        method="post",
        data=with_phase_break,
        expected=LEAD_POST,
    ),
    "measures:excluded-point-add": Rule(
        kwargs=series, method="post", data=free_excluded_month, expected=LEAD_POST
    ),
    "measures:excluded-point-remove": Rule(
        kwargs=lambda w: {**series(w), "period": REMOVED_POINT.strftime("%Y-%m")},
        method="post",
        data=with_excluded_point,
        expected=LEAD_POST,
    ),
    "measures:annotation-create": [
        Rule(kwargs=lambda w: {"team_uuid": w.team_a.uuid}, expected=TEAM_WRITE),
        Rule(
            kwargs=lambda w: {"team_uuid": w.team_a.uuid},
            method="post",
            data=annotation_data,
            expected=TEAM_POST,
        ),
    ],
    "measures:annotation-delete": Rule(
        kwargs=lambda w: {"team_uuid": w.team_a.uuid, "annotation_uuid": MATRIX_ANNOTATION},
        method="post",
        data=with_annotation,
        expected=TEAM_POST,
    ),
}
