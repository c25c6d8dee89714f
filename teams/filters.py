"""API filters for networks, organisations and teams, plus the helpers the other apps' filters share."""

from datetime import UTC, datetime
from uuid import UUID

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from .models import Network, Organisation, Team


def as_uuid(value: str) -> UUID | None:
    try:
        return UUID(value.strip())
    except ValueError:
        return None


def by_code_or_uuid(prefix: str, value: str) -> Q:
    """A team given by its UUID or its code (codes are unique within a network only)."""
    uuid = as_uuid(value)
    return Q(**{f"{prefix}uuid": uuid}) if uuid else Q(**{f"{prefix}code": value.strip()})


def by_region(prefix: str, value: str) -> Q:
    """A region given by its UUID or its name ("Region Hovedstaden")."""
    uuid = as_uuid(value)
    return Q(**{f"{prefix}uuid": uuid}) if uuid else Q(**{f"{prefix}name__iexact": value.strip()})


class UTCIsoDateTimeField(IsoDateTimeField):
    def clean(self, value) -> datetime | None:
        # Present but empty ("?updated_since=") is a client bug (an unset variable), not "everything".
        if isinstance(value, str) and not value.strip():
            raise ValidationError(_("Angiv et tidspunkt (ISO 8601), eller udelad parameteren."))
        value = super().clean(value)
        if value is None:
            return None
        # PostgreSQL refuses offsets beyond +-15:59 (e.g. -23:42); UTC is what we compare in anyway.
        try:
            return value.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError(_("Tidspunktet ligger uden for det mulige interval.")) from exc


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time, compared in UTC."""

    field_class = UTCIsoDateTimeField


class NetworkFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Network.Status.choices)

    class Meta:
        model = Network
        fields = ["status"]


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Organisation.Kind.choices)
    region = django_filters.CharFilter(method="filter_region", help_text="Regionens UUID eller navn.")

    class Meta:
        model = Organisation
        fields = ["kind", "region"]

    def filter_region(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(by_region("region__", value))


class TeamFilter(django_filters.FilterSet):
    network = django_filters.CharFilter(field_name="network__slug", help_text="LKT'ets slug.")
    region = django_filters.CharFilter(method="filter_region", help_text="Regionens UUID eller navn.")
    code = django_filters.CharFilter(field_name="code")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Team
        fields = ["network", "region", "code", "is_active"]

    def filter_region(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(by_region("region__", value))
