"""Pure-Python SPC engine (numpy only): run charts and control charts computed
exactly as the R package qicharts2 0.8.1 computes them, plus NHS "Making Data
Count" classification and a vectorised batch entry point.

No Django imports anywhere in this package.
"""

from .batch import BATCH_CHARTS, BatchResult, compute_charts, run_batch
from .classify import RULE_SETS, Classification, classify, mdc_xmr_chart
from .engine import ENGINE_VERSION, ChartResult, PartSummary, Point, compute_chart
from .errors import SPCError
from .limits import CHART_TYPES
from .runs import METHODS, anhoej_limits

__all__ = [
    "BATCH_CHARTS",
    "CHART_TYPES",
    "ENGINE_VERSION",
    "METHODS",
    "RULE_SETS",
    "BatchResult",
    "ChartResult",
    "Classification",
    "PartSummary",
    "Point",
    "SPCError",
    "anhoej_limits",
    "classify",
    "compute_chart",
    "compute_charts",
    "mdc_xmr_chart",
    "run_batch",
]
