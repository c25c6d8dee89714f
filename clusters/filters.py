"""Filters of the clusters API, in the same shape as the rest (`updated_since` in UTC, ISO dates)."""

import django_filters

from teams.filters import UpdatedSinceFilter

from .models import Cluster, Meeting, Package


class ClusterFilter(django_filters.FilterSet):
    network = django_filters.CharFilter(field_name="network__slug")

    class Meta:
        model = Cluster
        fields = ["network"]


class PackageFilter(django_filters.FilterSet):
    updated_since = UpdatedSinceFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Package
        fields = ["updated_since"]


class MeetingFilter(django_filters.FilterSet):
    cluster = django_filters.CharFilter(field_name="cluster__slug")
    status = django_filters.ChoiceFilter(choices=Meeting.Status.choices)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    updated_since = UpdatedSinceFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Meeting
        fields = ["cluster", "status", "date_from", "date_to", "updated_since"]
