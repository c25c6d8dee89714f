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

from teams.access import get_team_for_token, get_team_for_user
from teams.api_scope import request_token

from ..filters import parse_month
from ..services.entry import (
    BulkConflict,
    BulkValidationError,
    MeasurementBusy,
    MeasurementRow,
    measurements_bulk_save,
)


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


class StoredValueSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    period = serializers.CharField(help_text="ÅÅÅÅ-MM.")
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    nothing_to_report = serializers.BooleanField()
    comment = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField(help_text="Send som expected_version, hvis værdien skal overskrives.")
    entered_by = serializers.CharField(allow_blank=True, help_text="Hvem der gemte værdien.")
    updated_at = serializers.DateTimeField(help_text="Hvornår værdien blev gemt (UTC).")
    description = serializers.CharField(help_text="Den gemte værdi i ord.")


class ConflictRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True)
    indicator = serializers.CharField()
    period = serializers.CharField()
    code = serializers.ChoiceField(choices=["version", "locked"])
    message = serializers.CharField()
    stored = StoredValueSerializer(allow_null=True, help_text="null: værdien er slettet.")


class ConflictSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["version", "locked"],
        help_text="version: ændret, oprettet eller slettet af andre siden; locked: måneden er låst.",
    )
    message = serializers.CharField()
    stored = StoredValueSerializer(allow_null=True)
    conflicts = ConflictRowSerializer(many=True, help_text="Hver afvist række med den gemte værdi.")


MAX_BULK_ROWS = 10000


class MeasurementBulkView(APIView):
    """Save a team's measurements from its own systems: all rows or none."""

    @extend_schema(
        operation_id="team_measurements_bulk",
        request=BulkRowSerializer(many=True),
        responses={
            200: BulkResultSerializer,
            400: BulkErrorSerializer,
            409: ConflictSerializer,
            503: OpenApiResponse(
                description="Mange samtidige skrivninger; intet er gemt. Prøv igen (Retry-After)."
            ),
            403: OpenApiResponse(description="Tokenet eller brugeren må ikke skrive for dette team."),
            404: OpenApiResponse(description="Teamet findes ikke eller er ikke synligt."),
        },
        description=(
            "Gemmer en liste af målinger for ét team, alt eller intet, med samme validering og "
            "versionskontrol som indtastning i browseren. Er én række ugyldig, gemmes intet, og "
            "svaret lister alle fejl. Er en værdi ændret siden `expected_version` (eller måneden låst), "
            "svares 409 med den gemte værdi, hvem der gemte den og hvornår; intet gemmes, og de afviste "
            "værdier bevares i cellens historik. Kræver et token med skriveadgang for netop dette team, eller "
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
        except BulkConflict as exc:
            # The grid's contract: 409 with what is stored, who stored it and when; nothing saved.
            return Response(exc.as_dict(), status=status.HTTP_409_CONFLICT)
        except MeasurementBusy as exc:
            return Response(
                {"detail": exc.messages[0]},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "1"},
            )
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
