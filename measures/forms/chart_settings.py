"""Forms for a team's chart settings and annotations.

Months are chosen from a list of the series' months ("jan. 2025"), so a nurse never types a date
for a month; the services check the rules (data in the month, first month, duplicates).
"""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Annotation, Indicator
from ..months import month_key, month_label, parse_month_key

# The date field also accepts what Danes type when the browser has no date picker.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"]


def month_choices(periods: list[date], *, newest_first: bool = True) -> list[tuple[str, str]]:
    ordered = sorted(periods, reverse=newest_first)
    return [(month_key(p), month_label(p)) for p in ordered]


class _MonthField(forms.ChoiceField):
    """A month picked from a list; cleans to day 1 of the month."""

    def clean(self, value):
        key = super().clean(value)
        if not key:
            return None
        period = parse_month_key(key)
        if period is None:
            raise forms.ValidationError(_("Vælg en måned fra listen."), code="invalid_choice")
        return period


class BaselineForm(forms.Form):
    """Freeze the centre line (fastfrys) on the months up to and including the chosen one."""

    # An explicit choice rather than an empty one: "no baseline" is a decision, not a missing answer.
    NO_BASELINE = "ingen"

    baseline_end = forms.ChoiceField(
        label=_("Baseline til og med"),
        help_text=_("Centerlinjen beregnes af punkterne til og med denne måned og forlænges derefter."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, periods: list[date], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["baseline_end"].choices = [
            (self.NO_BASELINE, _("Ingen baseline: centerlinjen beregnes af alle punkter"))
        ] + month_choices(periods)
        self.fields["baseline_end"].widget.attrs["class"] = "form-select"

    def clean_baseline_end(self) -> date | None:
        key = self.cleaned_data["baseline_end"]
        if key == self.NO_BASELINE:
            return None
        period = parse_month_key(key)
        if period is None:
            raise forms.ValidationError(_("Vælg en måned fra listen."), code="invalid_choice")
        return period


class PhaseBreakForm(forms.Form):
    """Opdel processen: a new phase from the month a change took effect."""

    period = _MonthField(label=_("Ny fase fra"))
    label = forms.CharField(
        label=_("Betegnelse"),
        required=False,
        max_length=120,
        help_text=_("Fx: Ny vejledning indført."),
    )

    def __init__(self, *args, periods: list[date], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [("", _("Vælg måned"))] + month_choices(periods)
        self.fields["period"].widget.attrs["class"] = "form-select"
        self.fields["label"].widget.attrs["class"] = "form-input"


class ExcludedPointForm(forms.Form):
    """Udelad punkt: leave a month out of the calculations, with the reason."""

    period = _MonthField(label=_("Måned"))
    reason = forms.CharField(
        label=_("Begrundelse"),
        max_length=300,
        help_text=_("Fx: Ombygning af afsnittet; data er ikke sammenlignelige."),
        error_messages={"required": _("Skriv en begrundelse for at udelade punktet.")},
    )

    def __init__(self, *args, periods: list[date], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [("", _("Vælg måned"))] + month_choices(periods)
        self.fields["period"].widget.attrs["class"] = "form-select"
        self.fields["reason"].widget.attrs["class"] = "form-input"


class AnnotationForm(forms.Form):
    """Tilføj kommentar på diagram: a dated note on one chart or all the team's charts."""

    ALL = ""

    indicator = forms.ChoiceField(label=_("Diagram"), required=False)
    date = forms.DateField(
        label=_("Dato"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(
        label=_("Type"), choices=Annotation.Kind.choices, initial=Annotation.Kind.INTERVENTION
    )
    text = forms.CharField(
        label=_("Kommentar"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Fx: PDSA 2 startet: huskeseddel ved ordination."),
    )

    def __init__(self, *args, indicators: list[Indicator], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = {str(i.uuid): i for i in indicators}
        self.fields["indicator"].choices = [(self.ALL, _("Alle teamets diagrammer"))] + [
            (str(i.uuid), i.name) for i in indicators
        ]
        for name in ("indicator", "kind"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("date", "text"):
            self.fields[name].widget.attrs["class"] = "form-input"

    def clean_indicator(self) -> Indicator | None:
        key = self.cleaned_data.get("indicator") or self.ALL
        if key == self.ALL:
            return None
        return self.indicators[key]  # ChoiceField has already refused keys not in the list
