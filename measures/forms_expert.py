"""Forms of the expert group's pages, local targets, driver diagrams and PDSA cycles.

ModelForms with explicit field lists give the labels and widgets; the services do the saving and
the cross-row rules. Decimal fields are localized, so "12,5" is accepted as Danes write it.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DriverNode, Goal, Indicator, LocalTarget, PDSACycle, PublicationStatus
from .numbers import format_input
from .services.improvement import ALLOWED_PARENT_KINDS

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-input"}, format="%Y-%m-%d")
MONTH_WIDGET = forms.DateInput(attrs={"type": "month", "class": "form-input"}, format="%Y-%m")


def _style(form: forms.Form) -> None:
    """DKFDS classes on every widget, so templates can render fields uniformly."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-checkbox")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-input")
        if isinstance(widget, forms.Textarea):
            widget.attrs.setdefault("rows", 3)
    # Stored decimals have four places; show "52" and "12,5", not "52,0000".
    for name, field in form.fields.items():
        if isinstance(field, forms.DecimalField) and isinstance(form.initial.get(name), Decimal):
            form.initial[name] = format_input(form.initial[name])


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
        _style(self)


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
            "numerator_definition": forms.Textarea(),
            "denominator_definition": forms.Textarea(),
        }

    def __init__(self, *args, network, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = Goal.objects.filter(network=network).order_by("number")
        self.fields["goal"].empty_label = _("(intet mål)")
        for name in ("first_due_month", "last_due_month"):
            self.fields[name].input_formats = ["%Y-%m", "%Y-%m-%d"]
        if self.instance.pk and self.instance.version > 0:
            # The code is the indicator's stable key in uploads and the API once data exist.
            self.fields["code"].disabled = True
        _style(self)


class PublishForm(forms.Form):
    change_note = forms.CharField(
        label=_("Ændringsnote"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Hvad er ændret, og hvorfor? Teams ser noten ved deres diagrammer."),
    )

    def __init__(self, *args, needs_note: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_note"].required = needs_note
        _style(self)


class LocalTargetForm(forms.ModelForm):
    class Meta:
        model = LocalTarget
        fields = ["value", "deadline", "note"]
        localized_fields = ["value"]
        widgets = {"deadline": DATE_WIDGET, "value": forms.TextInput(attrs={"inputmode": "decimal"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class DiagramTemplateForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=300, required=False)
    aim = forms.CharField(
        label=_("Mål (det overordnede mål for forbedringsarbejdet)"),
        max_length=500,
        help_text=_("Hvad vil vi opnå? Fx: Rationel brug af antibiotika på hospitalerne."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class DriverNodeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=DriverNode.Kind.choices)
    code = forms.CharField(
        label=_("Kode"),
        max_length=10,
        required=False,
        help_text=_("Fx A for et indsatsområde. Kan være tom."),
    )
    text = forms.CharField(label=_("Tekst"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    indicators = forms.ModelMultipleChoiceField(
        label=_("Indikatorer"),
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Indikatorer, der måler dette element."),
    )
    goals = forms.ModelMultipleChoiceField(
        label=_("Mål"),
        queryset=Goal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self, *args, diagram, parent: DriverNode | None, node: DriverNode | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        indicators = Indicator.objects.filter(network_id=diagram.network_id).exclude(
            status=PublicationStatus.RETIRED
        )
        if diagram.team_id is not None:
            indicators = indicators.filter(status=PublicationStatus.PUBLISHED)
        self.fields["indicators"].queryset = indicators.order_by("order", "code")
        self.fields["goals"].queryset = Goal.objects.filter(network_id=diagram.network_id).order_by("number")
        parent_kind = parent.kind if parent is not None else None
        if node is not None:
            # A node keeps its kind; moving it to another level is remove-and-add.
            del self.fields["kind"]
            kind = node.kind
        else:
            allowed = [
                (k, label) for k, label in DriverNode.Kind.choices if parent_kind in ALLOWED_PARENT_KINDS[k]
            ]
            self.fields["kind"].choices = allowed
            kind = allowed[0][0] if allowed else None
        if kind != DriverNode.Kind.AIM:
            del self.fields["goals"]
        _style(self)


class PDSAForm(forms.ModelForm):
    class Meta:
        model = PDSACycle
        fields = [
            "title",
            "change_idea",
            "indicators",
            "status",
            "start_date",
            "end_date",
            "objective",
            "question",
            "prediction",
            "plan",
            "do_notes",
            "study_notes",
            "act_notes",
            "decision",
        ]
        widgets = {
            "start_date": DATE_WIDGET,
            "end_date": DATE_WIDGET,
            "indicators": forms.CheckboxSelectMultiple,
        }
        labels = {
            "objective": _("Formål med testen"),
            "question": _("Spørgsmål: hvad vil vi lære?"),
            "prediction": _("Forudsigelse: hvad tror vi, der sker?"),
            "plan": _("Plan: hvem, hvad, hvor og hvornår"),
            "do_notes": _("Hvad skete der? Observationer og data"),
            "study_notes": _("Sammenligning med forudsigelsen: hvad lærte vi?"),
            "act_notes": _("Hvad gør vi nu?"),
        }
        help_texts = {
            "indicators": _("PDSA-cyklussen vises som en kommentar på disse indikatorers diagrammer."),
            "decision": _("Implementér, tilpas eller forkast forandringsidéen."),
        }

    def __init__(self, *args, team, change_ideas, indicators, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["change_idea"].queryset = change_ideas
        self.fields["change_idea"].empty_label = _("(ingen forandringsidé valgt)")
        self.fields["change_idea"].label_from_instance = lambda node: str(node)
        self.fields["indicators"].queryset = indicators
        self.fields["decision"].choices = [("", _("(ikke besluttet endnu)")), *PDSACycle.Decision.choices]
        _style(self)
