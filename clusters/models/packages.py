"""Cluster packages (klyngepakker) as structured data the provider edits, and antibiotic groups."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lkt.constraints import HumanConstraintMessages

from .clusters import Provider


class GoalLevel(models.TextChoices):
    """The four levels the package names for goals ("Har I overvejet at sætte et eller flere mål")."""

    CLUSTER = "cluster", _("På klyngeniveau")
    PRACTICE = "practice", _("På klinikniveau")
    PRESCRIBER = "prescriber", _("På behandlerniveau")
    PATIENT = "patient", _("For den enkelte patient")


class Package(HumanConstraintMessages, models.Model):
    """A reusable cluster package published by a provider: content, questions, materials, follow-up."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("kort navn i adresser"), max_length=80, unique=True)
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="packages", verbose_name=_("pakkeudbyder")
    )
    title = models.CharField(_("titel"), max_length=200)
    subtitle = models.CharField(_("undertitel"), max_length=200, blank=True)
    revised_on = models.DateField(_("sidst revideret"), null=True, blank=True)
    introduction = models.TextField(_("kort introduktion til pakken"), blank=True)
    why_important = models.TextField(_("hvorfor er dette vigtigt?"), blank=True)
    what_to_expect = models.TextField(_("hvad kan I forvente?"), blank=True)
    method = models.TextField(_("metode og materiale"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("varighed (minutter)"), default=180)
    price = models.CharField(_("pris"), max_length=200, blank=True)
    provider_text = models.TextField(
        _("pakkeudbyder"), blank=True, help_text=_("Hvem har udarbejdet pakken.")
    )
    contact_email = models.EmailField(_("kontakt (e-mail)"), blank=True)
    contact_text = models.TextField(_("kontakt"), blank=True)
    extract_lead_days = models.PositiveSmallIntegerField(
        _("datatræk bestilles (dage før mødet)"),
        default=60,
        help_text=_("Klyngekoordinatoren skal bestille datatrækket mindst så mange dage før klyngemødet."),
    )
    follow_up_min_months = models.PositiveSmallIntegerField(
        _("opfølgende møde tidligst (måneder efter)"), default=6
    )
    goal_levels = models.JSONField(
        _("målniveauer"), default=list, blank=True, help_text=_("De niveauer, pakken foreslår mål på.")
    )
    is_published = models.BooleanField(_("udgivet"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("klyngepakke")
        verbose_name_plural = _("klyngepakker")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(extract_lead_days__gte=1), name="clusters_package_extract_lead_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def duration_hours(self) -> float:
        return self.duration_minutes / 60

    def items_of(self, kind: str) -> list["PackageItem"]:
        return [item for item in self.items.all() if item.kind == kind]


class PackageItem(models.Model):
    """One entry of a package list: a preparation step, material link, statistic, discussion question
    or follow-up activity, in the provider's order."""

    class Kind(models.TextChoices):
        PREPARATION = "preparation", _("Forberedelse")
        MATERIAL = "material", _("Materiale")
        STATISTIC = "statistic", _("Statistik")
        QUESTION = "question", _("Opsamling på drøftelse")
        FOLLOW_UP = "follow_up", _("Opfølgende aktivitet")

    class Actor(models.TextChoices):
        NONE = "", _("Alle")
        COORDINATOR = "coordinator", _("Klyngekoordinatoren")
        MEMBER = "member", _("Det enkelte klyngemedlem")

    package = models.ForeignKey(
        Package, on_delete=models.CASCADE, related_name="items", verbose_name=_("klyngepakke")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)
    text = models.TextField(_("tekst"))
    url = models.URLField(_("link"), blank=True)
    actor = models.CharField(_("hvem"), max_length=20, choices=Actor.choices, blank=True, default="")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("punkt i klyngepakke")
        verbose_name_plural = _("punkter i klyngepakker")
        ordering = ["package", "kind", "order", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class AntibioticGroup(HumanConstraintMessages, models.Model):
    """A group of antibiotics by ATC prefixes, as the provider defines it; flagged when critically important.

    Extract rows carry ATC codes; a group counts every row whose code starts with one of its prefixes.
    """

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="antibiotic_groups", verbose_name=_("pakkeudbyder")
    )
    code = models.SlugField(_("kode"), max_length=20, help_text=_("Kort kode, fx J01MA."))
    name = models.CharField(_("navn"), max_length=120)
    atc_prefixes = models.CharField(
        _("ATC-koder"),
        max_length=200,
        help_text=_("Adskilt med komma; en kode dækker alle koder, der begynder med den."),
    )
    is_critically_important = models.BooleanField(_("kritisk vigtigt antibiotikum"), default=False)
    is_narrow_penicillin = models.BooleanField(
        _("smalspektret penicillin (penicillin V)"),
        default=False,
        help_text=_("Gruppen, hvis andel vises som andel penicillin V."),
    )
    order = models.PositiveSmallIntegerField(_("rækkefølge"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("antibiotikagruppe")
        verbose_name_plural = _("antibiotikagrupper")
        ordering = ["provider", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "code"], name="clusters_antibioticgroup_unique_provider_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.atc_prefixes})"

    @property
    def prefixes(self) -> list[str]:
        return [p.strip().upper() for p in self.atc_prefixes.split(",") if p.strip()]
