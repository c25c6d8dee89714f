"""Goals, indicators, monthly measurements, chart settings, annotations, PDSA cycles and chart results.

One module per area; every model is importable from `measures.models` as before.
"""

from .charts import (
    Annotation,
    ChartResult,
    ChartSettings,
    ChartStaleMark,
    ExcludedPoint,
    LocalTarget,
    PhaseBreak,
)
from .definitions import (
    DEFINITION_FIELDS,
    Goal,
    Indicator,
    IndicatorDefinition,
    IndicatorDraft,
    IndicatorVersion,
    PublicationStatus,
)
from .entry import Measurement, MonthCompletion, MonthLock, RefusedMeasurement, ReminderSent
from .improvement import DriverDiagram, DriverNode, PDSACycle
from .sync import ChartResultDeletion, TeamDeletion

__all__ = [
    "DEFINITION_FIELDS",
    "Annotation",
    "ChartResult",
    "ChartResultDeletion",
    "ChartSettings",
    "ChartStaleMark",
    "DriverDiagram",
    "DriverNode",
    "ExcludedPoint",
    "Goal",
    "Indicator",
    "IndicatorDefinition",
    "IndicatorDraft",
    "IndicatorVersion",
    "LocalTarget",
    "Measurement",
    "MonthCompletion",
    "MonthLock",
    "PDSACycle",
    "PhaseBreak",
    "PublicationStatus",
    "RefusedMeasurement",
    "ReminderSent",
    "TeamDeletion",
]
