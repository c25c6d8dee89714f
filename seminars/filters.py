"""API filters for seminars."""

import django_filters

from teams.filters import UpdatedSinceFilter

from .models import Seminar


class SeminarFilter(django_filters.FilterSet):
    network = django_filters.CharFilter(field_name="network__slug", help_text="LKT'ets slug.")
    kind = django_filters.ChoiceFilter(choices=Seminar.Kind.choices)
    starts_from = UpdatedSinceFilter(field_name="starts_at", lookup_expr="gte")

    # Full refresh only (see the API description): no updated_since that could miss a change.
    class Meta:
        model = Seminar
        fields = ["network", "kind", "starts_from"]
