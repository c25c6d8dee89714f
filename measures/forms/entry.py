"""Forms of the data entry pages: one grid cell, the month completion, the upload."""

import re
from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..numbers import parse_optional_decimal


class DanishDecimalField(forms.CharField):
    """A number typed the Danish way ("12,5", "1.234,5"); empty is None."""

    def to_python(self, value):
        text = super().to_python(value)
        return parse_optional_decimal(text)


class PeriodField(forms.CharField):
    """A month as "YYYY-MM" (the grid's hidden field) -> the first day of the month."""

    def to_python(self, value):
        text = (super().to_python(value) or "").strip()
        if not text:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError(_("Ugyldig måned."), code="invalid")
        return date(int(match.group(1)), int(match.group(2)), 1)


class CellForm(forms.Form):
    """One grid cell as the page posts it: which cell, the typed values, and the version it started from."""

    indicator = forms.UUIDField(label=_("Indikator"))
    period = PeriodField(label=_("Måned"))
    numerator = DanishDecimalField(label=_("Tæller"), required=False)
    denominator = DanishDecimalField(label=_("Nævner"), required=False)
    comment = forms.CharField(label=_("Kommentar"), required=False, max_length=2000)
    nothing_to_report = forms.BooleanField(label=_("Intet at indberette"), required=False)
    needs_checking = forms.BooleanField(label=_("Skal tjekkes"), required=False)
    expected_version = forms.IntegerField(required=False, min_value=1)

    @property
    def is_empty(self) -> bool:
        """Nothing typed at all: the user cleared the cell."""
        data = self.cleaned_data
        return (
            data.get("numerator") is None
            and data.get("denominator") is None
            and not data.get("nothing_to_report")
            and not data.get("comment")
        )


class MonthCompletionForm(forms.Form):
    period = PeriodField(label=_("Måned"))
    complete = forms.BooleanField(label=_("Komplet"), required=False)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fil"),
        help_text=_("CSV (semikolon, decimalkomma) eller Excel (.xlsx)."),
    )
    indicator = forms.ChoiceField(
        label=_("Indikator"),
        required=False,
        help_text=_("Kun for filer uden indikatorkolonne, fx Dato;Tæller;Nævner;Kommentarer."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", _("Filen har en indikatorkolonne"))] + [
            (i.code, f"{i.name} ({i.code})") for i in indicators
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_SIZE:
            raise ValidationError(
                _("Filen er for stor (højst %(mb)s MB).") % {"mb": settings.MAX_UPLOAD_SIZE // (1024 * 1024)}
            )
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise ValidationError(_("Vælg en CSV-fil eller en Excel-fil (.xlsx)."))
        return upload
