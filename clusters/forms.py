"""Forms of the clusters app: they validate and convert; writes are in clusters.services."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from measures.numbers import parse_optional_decimal

from .models import (
    ClusterMembership,
    GoalLevel,
    Meeting,
    MeetingGoal,
    Package,
    PackageItem,
    Practice,
    Prescriber,
)


def _input(**attrs) -> dict:
    return {"class": "form-input", **attrs}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _text_area(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"class": "form-input", "rows": rows})


LIST_FIELDS = [
    ("preparation", PackageItem.Kind.PREPARATION, _("Forberedelse")),
    ("statistics", PackageItem.Kind.STATISTIC, _("Statistikker")),
    ("questions", PackageItem.Kind.QUESTION, _("Opsamling på drøftelse (spørgsmål)")),
    ("follow_ups", PackageItem.Kind.FOLLOW_UP, _("Opfølgende aktiviteter")),
    ("materials", PackageItem.Kind.MATERIAL, _("Materiale")),
]
ACTOR_PREFIXES = {
    "klyngekoordinatoren": PackageItem.Actor.COORDINATOR,
    "det enkelte klyngemedlem": PackageItem.Actor.MEMBER,
}


def _lines(text: str) -> list[str]:
    return [line.strip().lstrip("•").strip() for line in text.splitlines() if line.strip()]


class PackageForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200, widget=forms.TextInput(attrs=_input()))
    subtitle = forms.CharField(
        label=_("Undertitel"), max_length=200, required=False, widget=forms.TextInput(attrs=_input())
    )
    revised_on = forms.DateField(label=_("Sidst revideret"), required=False, widget=DateInput(attrs=_input()))
    introduction = forms.CharField(
        label=_("Kort introduktion til pakken"), required=False, widget=_text_area(5)
    )
    why_important = forms.CharField(
        label=_("Hvorfor er dette vigtigt?"), required=False, widget=_text_area(3)
    )
    what_to_expect = forms.CharField(label=_("Hvad kan I forvente?"), required=False, widget=_text_area(3))
    method = forms.CharField(label=_("Metode og materiale"), required=False, widget=_text_area(5))
    preparation = forms.CharField(
        label=_("Forberedelse"),
        required=False,
        widget=_text_area(4),
        help_text=_(
            "Ét trin pr. linje. Start med «Klyngekoordinatoren» eller «Det enkelte klyngemedlem» for at sige, hvem trinnet er til."
        ),
    )
    statistics = forms.CharField(
        label=_("Statistikker"), required=False, widget=_text_area(3), help_text=_("Én statistik pr. linje.")
    )
    questions = forms.CharField(
        label=_("Opsamling på drøftelse (spørgsmål)"),
        required=False,
        widget=_text_area(5),
        help_text=_("Ét spørgsmål pr. linje."),
    )
    goal_levels = forms.MultipleChoiceField(
        label=_("Målniveauer"), required=False, choices=GoalLevel.choices, widget=forms.CheckboxSelectMultiple
    )
    follow_ups = forms.CharField(
        label=_("Opfølgende aktiviteter"),
        required=False,
        widget=_text_area(4),
        help_text=_("Én aktivitet pr. linje."),
    )
    materials = forms.CharField(
        label=_("Materiale"),
        required=False,
        widget=_text_area(5),
        help_text=_("Ét materiale pr. linje: titel | link (linket kan udelades)."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Varighed (minutter)"),
        min_value=15,
        max_value=24 * 60,
        widget=forms.NumberInput(attrs=_input(inputmode="numeric")),
    )
    price = forms.CharField(
        label=_("Pris"), max_length=200, required=False, widget=forms.TextInput(attrs=_input())
    )
    provider_text = forms.CharField(label=_("Pakkeudbyder"), required=False, widget=_text_area(2))
    contact_email = forms.EmailField(
        label=_("Kontakt (e-mail)"), required=False, widget=forms.EmailInput(attrs=_input())
    )
    contact_text = forms.CharField(label=_("Kontakt"), required=False, widget=_text_area(2))
    extract_lead_days = forms.IntegerField(
        label=_("Datatræk bestilles (dage før mødet)"),
        min_value=1,
        max_value=365,
        widget=forms.NumberInput(attrs=_input(inputmode="numeric")),
    )
    follow_up_min_months = forms.IntegerField(
        label=_("Opfølgende møde tidligst (måneder efter)"),
        min_value=1,
        max_value=36,
        widget=forms.NumberInput(attrs=_input(inputmode="numeric")),
    )
    is_published = forms.BooleanField(label=_("Udgivet (klyngerne kan vælge pakken)"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    PACKAGE_FIELDS = [
        "title",
        "subtitle",
        "revised_on",
        "introduction",
        "why_important",
        "what_to_expect",
        "method",
        "goal_levels",
        "duration_minutes",
        "price",
        "provider_text",
        "contact_email",
        "contact_text",
        "extract_lead_days",
        "follow_up_min_months",
        "is_published",
    ]

    @classmethod
    def initial_for(cls, package: Package) -> dict:
        initial = {name: getattr(package, name) for name in cls.PACKAGE_FIELDS}
        items = list(package.items.all())
        for field, kind, _label in LIST_FIELDS:
            entries = [item for item in items if item.kind == kind]
            if kind == PackageItem.Kind.MATERIAL:
                initial[field] = "\n".join(f"{i.text} | {i.url}" if i.url else i.text for i in entries)
            else:
                initial[field] = "\n".join(i.text for i in entries)
        initial["version"] = package.version
        return initial

    def clean_materials(self) -> list[dict]:
        entries = []
        validate = forms.URLField(assume_scheme="https").clean
        for line in _lines(self.cleaned_data["materials"]):
            title, _sep, url = (part.strip() for part in line.partition("|"))
            if url:
                try:
                    url = validate(url)
                except ValidationError as exc:
                    raise ValidationError(_("%(url)s er ikke et gyldigt link.") % {"url": url}) from exc
            entries.append({"text": title, "url": url})
        return entries

    def clean_preparation(self) -> list[dict]:
        entries = []
        for line in _lines(self.cleaned_data["preparation"]):
            actor = next(
                (
                    a
                    for prefix, a in ACTOR_PREFIXES.items()
                    if line.lower().lstrip("0123456789:. ").startswith(prefix)
                ),
                "",
            )
            entries.append({"text": line, "actor": actor})
        return entries

    def _plain(self, name: str) -> list[dict]:
        return [{"text": line} for line in _lines(self.cleaned_data[name])]

    def clean_statistics(self) -> list[dict]:
        return self._plain("statistics")

    def clean_questions(self) -> list[dict]:
        return self._plain("questions")

    def clean_follow_ups(self) -> list[dict]:
        return self._plain("follow_ups")

    def package_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.PACKAGE_FIELDS}

    def items(self) -> dict[str, list[dict]]:
        return {kind: self.cleaned_data[field] for field, kind, _label in LIST_FIELDS}


class GroupForm(forms.Form):
    code = forms.SlugField(label=_("Kode"), max_length=20, widget=forms.TextInput(attrs=_input()))
    name = forms.CharField(label=_("Navn"), max_length=120, widget=forms.TextInput(attrs=_input()))
    atc_prefixes = forms.CharField(
        label=_("ATC-koder"), max_length=200, widget=forms.TextInput(attrs=_input())
    )
    is_critically_important = forms.BooleanField(label=_("Kritisk vigtigt"), required=False)
    is_narrow_penicillin = forms.BooleanField(label=_("Penicillin V"), required=False)

    def clean_atc_prefixes(self) -> str:
        codes = [c.strip().upper() for c in self.cleaned_data["atc_prefixes"].split(",") if c.strip()]
        from .upload import ATC_PATTERN

        bad = [c for c in codes if not ATC_PATTERN.match(c)]
        if not codes or bad:
            raise ValidationError(_("Skriv ATC-koder under J01, adskilt med komma (fx J01DB, J01DC)."))
        return ",".join(codes)


GroupFormSet = forms.formset_factory(GroupForm, extra=2, can_delete=True)


class MeetingForm(forms.Form):
    package = forms.ModelChoiceField(
        label=_("Klyngepakke"),
        queryset=Package.objects.filter(is_published=True),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=Meeting.Kind.choices, widget=forms.RadioSelect)
    follows = forms.ModelChoiceField(
        label=_("Opfølgning på"),
        queryset=Meeting.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("Kun for et opfølgende klyngemøde: mødet, hvor målene blev sat."),
    )
    date = forms.DateField(label=_("Dato for klyngemødet"), widget=DateInput(attrs=_input()))
    place = forms.CharField(
        label=_("Sted"), max_length=300, required=False, widget=forms.TextInput(attrs=_input())
    )
    extract_wishes = forms.CharField(label=_("Ønsker til datatræk"), required=False, widget=_text_area(3))
    comparison = forms.ChoiceField(
        label=_("Sammenligning før/efter"),
        choices=Meeting.Comparison.choices,
        initial=Meeting.Comparison.SAME_MONTHS,
        widget=forms.RadioSelect,
        help_text=_("Så vinter ikke sammenlignes med sommer."),
    )

    def __init__(self, *args, cluster=None, **kwargs):
        super().__init__(*args, **kwargs)
        if cluster is not None:
            self.fields["follows"].queryset = Meeting.objects.filter(
                cluster=cluster, kind=Meeting.Kind.FIRST
            ).select_related("package")

    def clean(self):
        data = super().clean()
        if data.get("kind") == Meeting.Kind.FOLLOW_UP and not data.get("follows"):
            self.add_error("follows", _("Vælg det klyngemøde, der følges op på."))
        return data


class MeetingEditForm(forms.Form):
    date = forms.DateField(label=_("Dato for klyngemødet"), widget=DateInput(attrs=_input()))
    place = forms.CharField(
        label=_("Sted"), max_length=300, required=False, widget=forms.TextInput(attrs=_input())
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=Meeting.Status.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    extract_wishes = forms.CharField(label=_("Ønsker til datatræk"), required=False, widget=_text_area(3))
    comparison = forms.ChoiceField(
        label=_("Sammenligning før/efter"), choices=Meeting.Comparison.choices, widget=forms.RadioSelect
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    FIELDS = ["date", "place", "status", "extract_wishes", "comparison"]


class ExtractRequestedForm(forms.Form):
    requested_on = forms.DateField(
        label=_("Datatræk bestilt den"), required=False, widget=DateInput(attrs=_input())
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fil med datatræk (CSV eller Excel)"),
        help_text=_("Semikolonsepareret CSV med decimalkomma, eller .xlsx; brug skabelonens overskrifter."),
        widget=forms.ClearableFileInput(attrs={"class": "form-input", "accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_SIZE:
            raise ValidationError(_("Filen er for stor."))
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
            raise ValidationError(_("Vælg en CSV- eller Excel-fil (.csv eller .xlsx)."))
        return upload


class DiscussionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, questions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for index, question in enumerate(questions):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=question, required=False, widget=_text_area(3)
            )

    def answers(self) -> list[str]:
        return [self.cleaned_data[f"answer_{i}"] for i in range(len(self.questions))]


class GoalForm(forms.Form):
    level = forms.ChoiceField(
        label=_("Niveau"), choices=GoalLevel.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    practice = forms.TypedChoiceField(
        label=_("Praksis"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("For mål på klinikniveau."),
    )
    prescriber = forms.TypedChoiceField(
        label=_("Behandler"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("For mål på behandlerniveau."),
    )
    text = forms.CharField(label=_("Mål"), widget=_text_area(2))
    measure = forms.ChoiceField(
        label=_("Måles på"),
        choices=MeetingGoal.Measure.choices,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    target_value = forms.CharField(
        label=_("Målværdi"),
        required=False,
        widget=forms.TextInput(attrs=_input(inputmode="decimal")),
        help_text=_("Fx 300 eller 45,5."),
    )

    def __init__(self, *args, practices: list[tuple[int, str]], prescribers: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].choices = [("", "—"), *practices]
        self.fields["prescriber"].choices = [("", "—"), *prescribers]

    def clean_target_value(self):
        return parse_optional_decimal(self.cleaned_data["target_value"])

    def clean(self):
        data = super().clean()
        level = data.get("level")
        if level == GoalLevel.PRACTICE and not data.get("practice"):
            self.add_error("practice", _("Vælg praksis for et mål på klinikniveau."))
        if level == GoalLevel.PRESCRIBER and not data.get("prescriber"):
            self.add_error("prescriber", _("Vælg behandler for et mål på behandlerniveau."))
        if data.get("target_value") is not None and not data.get("measure"):
            self.add_error("measure", _("Vælg hvad målværdien måles på."))
        return data


class MemberForm(forms.Form):
    """A member's role, practice and own doctor in the extracts (the member page)."""

    role = forms.ChoiceField(
        label=_("Rolle"), choices=ClusterMembership.Role.choices, widget=forms.RadioSelect
    )
    practice = forms.ModelChoiceField(
        label=_("Praksis"),
        queryset=Practice.objects.none(),
        required=False,
        empty_label=_("Ingen praksis"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    prescriber = forms.ModelChoiceField(
        label=_("Behandler i datatrækket"),
        queryset=Prescriber.objects.none(),
        required=False,
        empty_label=_("Ingen"),
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_(
            "Lægen, som personen er i datatrækket. Så ser personen sine egne tal med navn; "
            "de andre læger er anonyme."
        ),
    )

    def __init__(self, *args, cluster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = Practice.objects.filter(cluster=cluster)
        prescribers = Prescriber.objects.filter(practice__cluster=cluster).select_related("practice")
        self.fields["prescriber"].queryset = prescribers
        self.fields["prescriber"].label_from_instance = lambda p: f"{p.name} ({p.code}, {p.practice.name})"


class MemberAddForm(MemberForm):
    person = forms.CharField(
        label=_("Brugernavn eller e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs=_input(autocomplete="off")),
        help_text=_("Personen skal have logget ind én gang, så brugeren findes."),
    )

    field_order = ["person", "role", "practice", "prescriber"]

    def clean_person(self):
        text = self.cleaned_data["person"].strip()
        users = get_user_model().objects.filter(is_active=True)
        found = list(users.filter(username__iexact=text)[:2]) or list(users.filter(email__iexact=text)[:2])
        if not found:
            raise ValidationError(_("Der findes ingen aktiv bruger med det brugernavn eller den e-mail."))
        if len(found) > 1:
            raise ValidationError(_("Flere brugere har den e-mail; skriv brugernavnet."))
        return found[0]
