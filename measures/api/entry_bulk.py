"""API view for saving a team's measurements in bulk (all rows or none), with its serializers."""

from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from lkt.api import request_token
from teams.access import get_team_for_token, get_team_for_user
from teams.filters import parse_month

from ..services.entry import BulkValidationError, MeasurementRow, measurements_bulk_save


class BulkRowSerializer(serializers.Serializer):
    indicator = serializers.CharField(max_length=40, help_text="Indikatorens kode.")
    period = serializers.CharField(max_length=7, help_text="Måneden som ÅÅÅÅ-MM.")
    numerator = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        allow_null=True,
        required=False,
        default=None,
        coerce_to_string=False,
    )
    denominator = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        allow_null=True,
        required=False,
        default=None,
        coerce_to_string=False,
    )
    nothing_to_report = serializers.BooleanField(required=False, default=False)
    comment = serializers.CharField(
        allow_blank=True,
        allow_null=True,
        required=False,
        default=None,
        max_length=2000,
        help_text="Udelades eller null: en gemt kommentar bevares.",
    )
    expected_version = serializers.IntegerField(
        min_value=0,
        allow_null=True,
        required=False,
        default=None,
        help_text="Den version, klienten har set (0: ingen gemt værdi). Udelades: kontrolleres ikke.",
    )

    def validate_period(self, value: str) -> date:
        try:
            return parse_month(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class BulkRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Rækkens nummer i listen, fra 1.")
    field = serializers.CharField()
    message = serializers.CharField()


class BulkErrorSerializer(serializers.Serializer):
    errors = BulkRowErrorSerializer(many=True)


MAX_BULK_ROWS = 10000


class MeasurementBulkView(APIView):
    """Save a team's measurements from its own systems: all rows or none."""

    @extend_schema(
        operation_id="team_measurements_bulk",
        request=BulkRowSerializer(many=True),
        responses={
            200: BulkResultSerializer,
            400: BulkErrorSerializer,
            403: OpenApiResponse(description="Tokenet eller brugeren må ikke skrive for dette team."),
            404: OpenApiResponse(description="Teamet findes ikke eller er ikke synligt."),
        },
        description=(
            "Gemmer en liste af målinger for ét team, alt eller intet, med samme validering og "
            "versionskontrol som indtastning i browseren. Er én række ugyldig, gemmes intet, og "
            "svaret lister alle fejl. Kræver et token med skriveadgang for netop dette team, eller "
            "en bruger, der må indtaste data for teamet."
        ),
    )
    def post(self, request, team_uuid: str):
        # The URL takes any string, so a malformed id gets the API's JSON 404, not Django's HTML page.
        try:
            team_uuid = UUID(team_uuid)
        except ValueError as exc:
            raise NotFound from exc
        token = request_token(request)
        if token is not None:
            team = get_team_for_token(token, team_uuid, write=True).team
            user, source = None, f"api-token:{token.prefix}:{token.name}"[:100]
        else:
            team = get_team_for_user(request.user, team_uuid, write=True).team
            user, source = request.user, "api"
        serializer = BulkRowSerializer(
            data=request.data, many=True, max_length=MAX_BULK_ROWS, allow_empty=False
        )
        if not serializer.is_valid():
            return Response(
                {"errors": serializer_errors(serializer.errors)}, status=status.HTTP_400_BAD_REQUEST
            )
        rows = [
            MeasurementRow(
                indicator_code=item["indicator"],
                period=item["period"],
                numerator=item["numerator"],
                denominator=item["denominator"],
                comment=item["comment"],
                nothing_to_report=item["nothing_to_report"],
                expected_version=item["expected_version"],
                row_number=number,
            )
            for number, item in enumerate(serializer.validated_data, start=1)
        ]
        try:
            result = measurements_bulk_save(team=team, rows=rows, user=user, source=source)
        except BulkValidationError as exc:
            errors = [{"row": e.row_number, "field": e.field, "message": e.message} for e in exc.row_errors]
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        except DjangoValidationError as exc:
            errors = [{"row": None, "field": "", "message": message} for message in exc.messages]
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": result.created, "changed": result.changed, "unchanged": result.unchanged})


def serializer_errors(errors) -> list[dict]:
    """DRF's nested errors as flat {row, field, message} items, like the service's row errors.

    A list serializer reports row errors as a list (one entry per row) or, in newer DRF, as a dict
    keyed by the row's index; errors about the body as a whole come keyed by field name.
    """
    if isinstance(errors, dict):
        items = [(key + 1 if isinstance(key, int) else None, key, value) for key, value in errors.items()]
    else:
        items = [(number, number, value) for number, value in enumerate(errors, start=1)]
    flat: list[dict] = []
    for row, key, value in items:
        fields = value.items() if row is not None and isinstance(value, dict) else [(key, value)]
        for field, messages in fields:
            for message in messages if isinstance(messages, list) else [messages]:
                name = "" if field in ("non_field_errors", None) or isinstance(field, int) else str(field)
                flat.append({"row": row, "field": name, "message": str(message)})
    if not flat:
        flat.append({"row": None, "field": "", "message": gettext("Ugyldige data.")})
    return flat
