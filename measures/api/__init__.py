"""API serializers and viewsets for goals, indicators, measurements, chart results, annotations and PDSA cycles.

The package re-exports the names other modules and tests import from `measures.api`.
"""

from .chart_settings import AnnotationSerializer, AnnotationViewSet, PDSACycleSerializer, PDSACycleViewSet
from .charts import (
    CHART_POINT_COLUMNS,
    ChartPartSerializer,
    ChartPointSerializer,
    ChartResultDeletionSerializer,
    ChartResultDeletionViewSet,
    ChartResultSerializer,
    ChartResultViewSet,
    IndicatorFunnelView,
)
from .common import VISIBLE_STATUSES, MonthField
from .definitions import (
    GoalSerializer,
    GoalViewSet,
    IndicatorSerializer,
    IndicatorVersionSerializer,
    IndicatorViewSet,
)
from .entry import (
    DELETION_COLUMNS,
    MEASUREMENT_COLUMNS,
    MEASUREMENT_VALUES,
    VALUE_CONTEXT,
    VALUE_QUANTUM,
    HistoricalMeasurement,
    MeasurementDeletionSerializer,
    MeasurementDeletionViewSet,
    MeasurementSerializer,
    MeasurementTable,
    MeasurementViewSet,
    plotted_value,
)
from .entry_bulk import (
    MAX_BULK_ROWS,
    BulkErrorSerializer,
    BulkResultSerializer,
    BulkRowErrorSerializer,
    BulkRowSerializer,
    MeasurementBulkView,
    serializer_errors,
)

__all__ = [
    "CHART_POINT_COLUMNS",
    "DELETION_COLUMNS",
    "MAX_BULK_ROWS",
    "MEASUREMENT_COLUMNS",
    "MEASUREMENT_VALUES",
    "VALUE_CONTEXT",
    "VALUE_QUANTUM",
    "VISIBLE_STATUSES",
    "AnnotationSerializer",
    "AnnotationViewSet",
    "BulkErrorSerializer",
    "BulkResultSerializer",
    "BulkRowErrorSerializer",
    "BulkRowSerializer",
    "ChartPartSerializer",
    "ChartPointSerializer",
    "ChartResultDeletionSerializer",
    "ChartResultDeletionViewSet",
    "ChartResultSerializer",
    "ChartResultViewSet",
    "IndicatorFunnelView",
    "GoalSerializer",
    "GoalViewSet",
    "HistoricalMeasurement",
    "IndicatorSerializer",
    "IndicatorVersionSerializer",
    "IndicatorViewSet",
    "MeasurementBulkView",
    "MeasurementDeletionSerializer",
    "MeasurementDeletionViewSet",
    "MeasurementSerializer",
    "MeasurementTable",
    "MeasurementViewSet",
    "MonthField",
    "PDSACycleSerializer",
    "PDSACycleViewSet",
    "plotted_value",
    "serializer_errors",
]
