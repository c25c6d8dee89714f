"""Forms for the seminar plan, materials, registration and attendance. They validate and convert;
the writes are in seminars.services."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Audience, Seminar
from .services import ProgrammeItemData, SeminarContent, combine_local, material_validate_file

# (form field, audience) for the ordered lists, edited one item per line.
PURPOSE_FIELDS = [
    ("purposes_both", Audience.BOTH),
    ("purposes_teams", Audience.TEAMS),
    ("purposes_leaders", Audience.LEADERS),
]
OBJECTIVE_FIELDS = [
    ("objectives_both", Audience.BOTH),
    ("objectives_teams", Audience.TEAMS),
    ("objectives_leaders", Audience.LEADERS),
]
LINES_HELP = _(
    "Ét punkt pr. linje, i den rækkefølge de skal vises. En linje, der starter med «-», hører til punktet før."
)


def split_items(text: str) -> list[str]:
    """One item per line; a line starting with '-' continues the item before it (a sub-point)."""
    items: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("-") and items:
            items[-1] = f"{items[-1]}\n{line}"
        else:
            items.append(line.lstrip("•").strip())
    return items


def join_items(texts: list[str]) -> str:
    return "\n".join(texts)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _input(**attrs) -> dict:
    return {"class": "form-input", **attrs}


class SeminarForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), choices=Seminar.Kind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    number = forms.IntegerField(
        label=_("Nummer"),
        min_value=1,
        max_value=99,
        initial=1,
        help_text=_("Fx 2 for læringsseminar 2."),
        widget=forms.NumberInput(attrs=_input(inputmode="numeric")),
    )
    title = forms.CharField(label=_("Titel"), max_length=300, widget=forms.TextInput(attrs=_input()))
    day = forms.DateField(label=_("Dato"), widget=DateInput(attrs=_input()))
    start_time = forms.TimeField(label=_("Starttidspunkt"), widget=TimeInput(attrs=_input()))
    end_time = forms.TimeField(label=_("Sluttidspunkt"), widget=TimeInput(attrs=_input()))
    end_day = forms.DateField(
        label=_("Slutdato (kun hvis seminaret varer flere dage)"),
        required=False,
        widget=DateInput(attrs=_input()),
    )
    place = forms.CharField(
        label=_("Sted"),
        max_length=300,
        required=False,
        help_text=_("Fx navnet på konferencestedet."),
        widget=forms.TextInput(attrs=_input()),
    )
    address = forms.CharField(
        label=_("Adresse"), max_length=300, required=False, widget=forms.TextInput(attrs=_input())
    )
    online_url = forms.URLField(
        label=_("Link til online deltagelse"),
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs=_input()),
    )
    audience = forms.ChoiceField(
        label=_("Målgruppe"), choices=Audience.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    capacity = forms.IntegerField(
        label=_("Antal pladser"),
        min_value=1,
        required=False,
        help_text=_("Tom: ubegrænset."),
        widget=forms.NumberInput(attrs=_input(inputmode="numeric")),
    )
    has_waiting_list = forms.BooleanField(
        label=_("Venteliste, når seminaret er fuldt booket"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-checkbox"}),
    )
    preparation = forms.CharField(
        label=_("Forberedelse"),
        required=False,
        help_text=_(
            "Hvad teams skal forberede, fx «Medbring jeres justerede driverdiagram og seriediagrammer»."
        ),
        widget=forms.Textarea(attrs={"class": "form-input", "rows": 3}),
    )
    purposes_both = forms.CharField(label=_("Formål (fælles)"), required=False, help_text=LINES_HELP)
    purposes_teams = forms.CharField(
        label=_("Formål for forbedringsteams"), required=False, help_text=LINES_HELP
    )
    purposes_leaders = forms.CharField(label=_("Formål for ledere"), required=False, help_text=LINES_HELP)
    objectives_both = forms.CharField(label=_("Læringsmål (fælles)"), required=False, help_text=LINES_HELP)
    objectives_teams = forms.CharField(
        label=_("Læringsmål for forbedringsteams"), required=False, help_text=LINES_HELP
    )
    objectives_leaders = forms.CharField(
        label=_("Læringsmål for ledere"), required=False, help_text=LINES_HELP
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, _audience in PURPOSE_FIELDS + OBJECTIVE_FIELDS:
            self.fields[name].widget = forms.Textarea(attrs={"class": "form-input", "rows": 4})
            # Keep the line breaks: they separate the items.
            self.fields[name].strip = False

    @classmethod
    def initial_for(cls, seminar: Seminar) -> dict:
        start = timezone.localtime(seminar.starts_at)
        end = timezone.localtime(seminar.ends_at)
        initial = {
            "kind": seminar.kind,
            "number": seminar.number,
            "title": seminar.title,
            "day": start.date(),
            "start_time": start.time(),
            "end_time": end.time(),
            "end_day": end.date() if end.date() != start.date() else None,
            "place": seminar.place,
            "address": seminar.address,
            "online_url": seminar.online_url,
            "audience": seminar.audience,
            "capacity": seminar.capacity,
            "has_waiting_list": seminar.has_waiting_list,
            "preparation": seminar.preparation,
        }
        for name, audience in PURPOSE_FIELDS:
            initial[name] = join_items([p.text for p in seminar.purposes.all() if p.audience == audience])
        for name, audience in OBJECTIVE_FIELDS:
            initial[name] = join_items(
                [o.text for o in seminar.learning_objectives.all() if o.audience == audience]
            )
        return initial

    def clean(self):
        cleaned = super().clean()
        day: date | None = cleaned.get("day")
        start_time, end_time = cleaned.get("start_time"), cleaned.get("end_time")
        if day and start_time and end_time:
            end_day = cleaned.get("end_day") or day
            starts_at = combine_local(day, start_time)
            ends_at = combine_local(end_day, end_time)
            if ends_at <= starts_at:
                self.add_error("end_time", _("Seminaret skal slutte efter, det er begyndt."))
            cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
        return cleaned

    def seminar_fields(self) -> dict:
        c = self.cleaned_data
        return {
            "kind": c["kind"],
            "number": c["number"],
            "title": c["title"].strip(),
            "starts_at": c["starts_at"],
            "ends_at": c["ends_at"],
            "place": c["place"].strip(),
            "address": c["address"].strip(),
            "online_url": c["online_url"],
            "audience": c["audience"],
            "capacity": c["capacity"],
            "has_waiting_list": c["has_waiting_list"],
            "preparation": c["preparation"].strip(),
        }

    def content(self, programme: list[ProgrammeItemData]) -> SeminarContent:
        c = self.cleaned_data
        return SeminarContent(
            purposes=[(audience, text) for name, audience in PURPOSE_FIELDS for text in split_items(c[name])],
            objectives=[
                (audience, text) for name, audience in OBJECTIVE_FIELDS for text in split_items(c[name])
            ],
            programme=programme,
        )


class ProgrammeItemForm(forms.Form):
    starts_at = forms.TimeField(label=_("Fra"), widget=TimeInput(attrs=_input()))
    ends_at = forms.TimeField(label=_("Til"), required=False, widget=TimeInput(attrs=_input()))
    title = forms.CharField(label=_("Punkt"), max_length=300, widget=forms.TextInput(attrs=_input()))
    speaker = forms.CharField(
        label=_("Oplægsholder"), max_length=200, required=False, widget=forms.TextInput(attrs=_input())
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_at") and cleaned.get("ends_at") and cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("ends_at", _("Punktet skal slutte efter, det er begyndt."))
        return cleaned


ProgrammeFormSet = forms.formset_factory(ProgrammeItemForm, extra=3, can_delete=True, max_num=60)


def programme_items(formset) -> list[ProgrammeItemData]:
    items = []
    for form in formset.forms:
        if not form.has_changed() or form.cleaned_data.get("DELETE"):
            continue
        c = form.cleaned_data
        items.append(
            ProgrammeItemData(
                starts_at=c["starts_at"],
                ends_at=c.get("ends_at"),
                title=c["title"].strip(),
                speaker=c["speaker"].strip(),
            )
        )
    return sorted(items, key=lambda item: item.starts_at)


def programme_initial(seminar: Seminar) -> list[dict]:
    return [
        {"starts_at": p.starts_at, "ends_at": p.ends_at, "title": p.title, "speaker": p.speaker}
        for p in seminar.programme.all()
    ]


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=300, widget=forms.TextInput(attrs=_input()))
    file = forms.FileField(
        label=_("Fil"),
        required=False,
        help_text=_("pdf, pptx, docx, xlsx, png eller jpg."),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-file-input", "accept": ".pdf,.pptx,.docx,.xlsx,.png,.jpg,.jpeg"}
        ),
    )
    url = forms.URLField(
        label=_("Eller et link"), required=False, assume_scheme="https", widget=forms.URLInput(attrs=_input())
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            material_validate_file(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if "file" in self.errors:
            return cleaned
        if bool(cleaned.get("file")) == bool(cleaned.get("url")):
            raise ValidationError(_("Vælg enten en fil eller et link."))
        return cleaned


class RegistrationForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Deltager"),
        queryset=None,
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda user: user.get_full_name() or user.username


class AttendanceForm(forms.Form):
    """The ticked people; the choices are everyone on the attendance sheet."""

    attended = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(str(pk), str(pk)) for pk in user_ids]

    def attended_ids(self) -> set[int]:
        return {int(pk) for pk in self.cleaned_data["attended"]}
