"""Shared pieces of the measures API: the statuses the API shows and the month field."""

from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import PublicationStatus
from ..months import month_key

VISIBLE_STATUSES = [PublicationStatus.PUBLISHED, PublicationStatus.RETIRED]


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-03"})
class MonthField(serializers.Field):
    """A month as "YYYY-MM"; accepts a date or an ISO date string from stored chart data."""

    def to_representation(self, value) -> str:
        if isinstance(value, date):
            return month_key(value)
        return str(value)[:7]
