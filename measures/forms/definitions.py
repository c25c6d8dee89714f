"""Forms of the expert group's pages (goals, indicators, publishing) and of local targets.

ModelForms with explicit field lists give the labels and widgets; the services do the saving and
the cross-row rules. Decimal fields are localized, so "12,5" is accepted as Danes write it.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Goal, Indicator, LocalTarget
from ..models.definitions import MAX_DECIMALS, default_decimals
from .common import DATE_WIDGET, MONTH_WIDGET, dkfds_style


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = [
            "number",
            "title",
            "description",
            "is_balancing",
            "target_text",
            "target_value",
            "baseline_start",
            "baseline_end",
            "target_deadline",
        ]
        localized_fields = ["target_value"]
        widgets = {
            "baseline_start": DATE_WIDGET,
            "baseline_end": DATE_WIDGET,
            "target_deadline": DATE_WIDGET,
            "target_value": forms.TextInput(attrs={"inputmode": "decimal"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        dkfds_style(self)


class IndicatorForm(forms.ModelForm):
    """A definition: of a new indicator, a draft, or the next version of a published one."""

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "goal",
            "kind",
            "definition",
            "numerator_definition",
            "denominator_definition",
            "unit",
            "multiplier",
            "direction",
            "chart_type",
            "decimals",
            "whole_numbers",
            "data_source",
            "target_value",
            "baseline_start",
            "baseline_end",
            "target_deadline",
            "first_due_month",
            "last_due_month",
            "order",
        ]
        localized_fields = ["target_value", "multiplier"]
        widgets = {
            "first_due_month": MONTH_WIDGET,
            "last_due_month": MONTH_WIDGET,
            "baseline_start": DATE_WIDGET,
            "baseline_end": DATE_WIDGET,
            "target_deadline": DATE_WIDGET,
            "target_value": forms.TextInput(attrs={"inputmode": "decimal"}),
            "multiplier": forms.TextInput(attrs={"inputmode": "numeric"}),
            "decimals": forms.NumberInput(attrs={"min": 0, "max": MAX_DECIMALS, "class": "input-width-xxs"}),
            "numerator_definition": forms.Textarea(),
            "denominator_definition": forms.Textarea(),
        }

    def __init__(self, *args, network, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = Goal.objects.filter(network=network).order_by("number")
        for name in ("first_due_month", "last_due_month"):
            self.fields[name].input_formats = ["%Y-%m", "%Y-%m-%d"]
        self.fields["goal"].empty_label = _("(intet mål)")
        if self.instance.pk and self.instance.version > 0:
            # The code is the indicator's stable key in uploads and the API once data exist.
            self.fields["code"].disabled = True
        dkfds_style(self)


class PublishForm(forms.Form):
    # Asked again here, where the expert group sees what it publishes: a value shown with too
    # many or too few decimals is the first thing teams notice.
    decimals = forms.TypedChoiceField(
        label=_("Antal decimaler"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Så mange decimaler vises i indtastningen, diagrammerne, tabellerne og rapporterne."),
    )
    change_note = forms.CharField(
        label=_("Ændringsnote"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Hvad er ændret, og hvorfor? Teams ser noten ved deres diagrammer."),
    )

    def __init__(self, *args, needs_note: bool, definition, **kwargs) -> None:
        """`definition`: what is published (the pending draft, or the never published indicator)."""
        kwargs.setdefault("initial", {})["decimals"] = (
            "" if definition.decimals is None else definition.decimals
        )
        super().__init__(*args, **kwargs)
        default = default_decimals(
            chart_type=definition.chart_type,
            unit=definition.unit,
            multiplier=definition.multiplier,
            has_denominator=definition.has_denominator,
            whole_numbers=definition.whole_numbers,
        )
        self.fields["decimals"].choices = [
            ("", _("Standard for diagramtypen og enheden (%(n)s)") % {"n": default}),
            *[(n, str(n)) for n in range(MAX_DECIMALS + 1)],
        ]
        self.fields["change_note"].required = needs_note
        dkfds_style(self)


class LocalTargetForm(forms.ModelForm):
    class Meta:
        model = LocalTarget
        fields = ["value", "deadline", "note"]
        localized_fields = ["value"]
        widgets = {"deadline": DATE_WIDGET, "value": forms.TextInput(attrs={"inputmode": "decimal"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        dkfds_style(self)
