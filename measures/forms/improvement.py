"""Forms of the improvement work: driver diagrams (template and nodes) and PDSA cycles."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import DriverNode, Goal, Indicator, PDSACycle, PublicationStatus
from ..services.improvement import ALLOWED_PARENT_KINDS
from .common import DATE_WIDGET, dkfds_style


class DiagramTemplateForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=300, required=False)
    aim = forms.CharField(
        label=_("Mål (det overordnede mål for forbedringsarbejdet)"),
        max_length=500,
        help_text=_("Hvad vil vi opnå? Fx: Rationel brug af antibiotika på hospitalerne."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        dkfds_style(self)


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
        dkfds_style(self)


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
        dkfds_style(self)
