"""Reads of the clusters app: the extract frame of a meeting and the figures the pages show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils import timezone

from . import indicators as ind
from .access import ClusterAccess, UnitLabel, practice_labels, prescriber_labels
from .models import AntibioticGroup, Cluster, Extract, ExtractRow, Meeting, Practice, Prescriber


def group_defs(provider_id: int) -> list[ind.GroupDef]:
    return [
        ind.GroupDef(g.code, g.name, tuple(g.prefixes), g.is_critically_important, g.is_narrow_penicillin)
        for g in AntibioticGroup.objects.filter(provider_id=provider_id)
    ]


def meeting_extracts(meeting: Meeting) -> list[Extract]:
    """The extracts behind a meeting, newest first: its own, then (follow-up) the first meeting's,
    then the cluster's latest one uploaded before the meeting date."""
    own = list(Extract.objects.filter(meeting=meeting).order_by("-uploaded_at"))
    if meeting.follows_id:
        own += list(Extract.objects.filter(meeting_id=meeting.follows_id).order_by("-uploaded_at"))
    if not own:
        latest = (
            Extract.objects.filter(cluster=meeting.cluster, meeting__isnull=True)
            .order_by("-uploaded_at")
            .first()
        )
        if latest:
            own.append(latest)
    return own


def extract_frame(extracts: list[Extract], *, with_prescribers: bool) -> pd.DataFrame:
    """The rows of the extracts as one frame; where two extracts cover the same scope and period, the newer wins."""
    if not extracts:
        return ind.empty_frame()
    rows = ExtractRow.objects.filter(extract__in=extracts)
    if not with_prescribers:
        # Outside the cluster the prescriber rows are never even read.
        rows = rows.exclude(scope=ExtractRow.Scope.PRESCRIBER)
    frame = pd.DataFrame.from_records(
        rows.values_list("extract_id", *ind.FRAME_COLUMNS), columns=["extract_id", *ind.FRAME_COLUMNS]
    )
    if frame.empty:
        return ind.empty_frame()
    rank = {extract.id: index for index, extract in enumerate(extracts)}
    frame["rank"] = frame["extract_id"].map(rank)
    best = frame.groupby(["scope", "period"])["rank"].transform("min")
    frame = frame[frame["rank"] == best].drop(columns=["rank", "extract_id"])
    frame["period"] = pd.to_datetime(frame["period"])
    return frame.reset_index(drop=True)


@dataclass
class MeetingData:
    """Everything the meeting pages draw, with units already labelled for the viewer."""

    access: ClusterAccess
    extracts: list[Extract]
    groups: list[ind.GroupDef]
    frame: pd.DataFrame
    first_month: date | None = None
    last_month: date | None = None
    window_first: date | None = None
    practice_labels: dict[int, UnitLabel] = field(default_factory=dict)
    prescriber_labels: dict[int, UnitLabel] = field(default_factory=dict)
    prescriber_practice: dict[int, int] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return not self.frame.empty

    def label(self, unit: str) -> str | None:
        """The viewer's label for a unit key; None for a unit they may not see."""
        from django.utils.translation import gettext

        if unit == "cluster":
            return gettext("Klyngen") if self.access.sees_prescribers else self.access.cluster.name
        if unit == "region":
            return gettext("Regionen")
        if unit == "country":
            return gettext("Landet")
        kind, _sep, ident = unit.partition(":")
        labels = self.practice_labels if kind == "practice" else self.prescriber_labels
        label = labels.get(int(ident)) if ident.isdigit() else None
        return label.label if label else None

    def is_own(self, unit: str) -> bool:
        kind, _sep, ident = unit.partition(":")
        labels = self.practice_labels if kind == "practice" else self.prescriber_labels
        label = labels.get(int(ident)) if ident.isdigit() else None
        return bool(label and label.is_own)

    def window(self, months: int = 12) -> pd.DataFrame:
        """The last `months` months of data (the meeting's "latest year")."""
        return ind.in_window(self.frame, self.window_first, self.last_month) if self.has_data else self.frame


def meeting_data(meeting: Meeting, access: ClusterAccess) -> MeetingData:
    extracts = meeting_extracts(meeting)
    groups = group_defs(meeting.package.provider_id)
    frame = extract_frame(extracts, with_prescribers=access.sees_prescribers)
    data = MeetingData(access=access, extracts=extracts, groups=groups, frame=frame)
    practices = list(Practice.objects.filter(cluster=meeting.cluster))
    data.practice_labels = practice_labels(access, practices)
    if access.sees_prescribers:
        prescribers = list(Prescriber.objects.filter(practice__cluster=meeting.cluster))
        data.prescriber_labels = prescriber_labels(access, prescribers)
        data.prescriber_practice = {p.id: p.practice_id for p in prescribers}
    if not frame.empty:
        data.frame = ind.with_groups(frame, groups)
        data.first_month = frame["period"].min().date()
        data.last_month = frame["period"].max().date()
        data.window_first = max(data.first_month, ind.month_add(data.last_month, -11))
    return data


def clusters_for(user: User | AnonymousUser) -> QuerySet[Cluster]:
    return Cluster.objects.visible_to(user).select_related("region").order_by("name")


def upcoming_meetings(clusters: QuerySet[Cluster]) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(
            cluster__in=clusters, status=Meeting.Status.PLANNED, date__gte=timezone.localdate()
        )
        .select_related("cluster", "package")
        .order_by("date")
    )
