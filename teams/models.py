"""Networks (LKTs), organisations, teams and the memberships that carry roles."""

import calendar
import uuid
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from lkt.constraints import HumanConstraintMessages


class Sector(models.TextChoices):
    REGION = "region", _("Region")
    MUNICIPALITY = "municipality", _("Kommune")
    GENERAL_PRACTICE = "general_practice", _("Almen praksis")


class OrganisationQuerySet(models.QuerySet):
    def subtree_ids(self, organisation_id: int) -> list[int]:
        """The organisation and every organisation below it."""
        ids, frontier = [organisation_id], [organisation_id]
        while frontier:
            frontier = list(self.filter(parent_id__in=frontier).values_list("id", flat=True))
            ids.extend(frontier)
        return ids


class Organisation(HumanConstraintMessages, models.Model):
    """A region, hospital, department, unit, municipality or GP cluster, in a parent hierarchy."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        HOSPITAL = "hospital", _("Hospital")
        DEPARTMENT = "department", _("Afdeling")
        UNIT = "unit", _("Afsnit")
        MUNICIPALITY = "municipality", _("Kommune")
        GP_CLUSTER = "gp_cluster", _("Praksisklynge")
        OTHER = "other", _("Anden organisation")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("navn"), max_length=200)
    short_name = models.CharField(_("kort navn"), max_length=40, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    sector = models.CharField(_("sektor"), max_length=20, choices=Sector.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("overordnet organisation"),
    )
    # The region an organisation lies in, denormalised from the hierarchy so that region-scoped
    # permissions and filters are one join, not a recursive walk. A region points to itself.
    region = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "region"},
        verbose_name=_("region"),
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="teams_organisation_unique_parent_name"),
        ]

    def __str__(self) -> str:
        return self.name


class NetworkQuerySet(models.QuerySet):
    def visible_to(self, user: User | AnonymousUser) -> "NetworkQuerySet":
        """Networks the user belongs to, through a network role or a team; staff see all."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(Q(memberships__user=user) | Q(teams__memberships__user=user)).distinct()

    def visible_to_token(self, token) -> "NetworkQuerySet":
        """The one network an API token is scoped to (the token is already checked as active)."""
        return self.filter(id=token.network_id)


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user: User | AnonymousUser) -> "TeamQuerySet":
        """Teams whose data the user may read with the team's name.

        The one place that decides it: own teams; every team for national project leads and the
        expert group; the coordinator's region; an observer's organisation; and the other teams of
        networks where the user is in a team and peers are shown by name. Anonymised peers are not
        here: they are shown only as "Team A, B, ..." on network pages (teams.peers).
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        memberships = NetworkMembership.objects.filter(user=user)
        whole_network = memberships.filter(
            role__in=[NetworkMembership.Role.NATIONAL_LEAD, NetworkMembership.Role.EXPERT]
        ).values("network_id")
        coordinated = memberships.filter(
            role=NetworkMembership.Role.COORDINATOR,
            network_id=OuterRef("network_id"),
            region_id=OuterRef("region_id"),
        )
        named_peer_networks = Network.objects.filter(
            peer_visibility=Network.PeerVisibility.NAMED, teams__memberships__user=user
        ).values("id")
        condition = (
            Q(memberships__user=user)
            | Q(network_id__in=whole_network)
            | Q(network_id__in=named_peer_networks)
            | Q(Exists(coordinated))
        )
        # An observer (e.g. a hospital director) follows the teams of their organisation and the
        # units below it. Observers hold few memberships, so the tree is walked here, in Python.
        for network_id, organisation_id in memberships.filter(
            role=NetworkMembership.Role.OBSERVER, organisation__isnull=False
        ).values_list("network_id", "organisation_id"):
            condition |= Q(
                network_id=network_id, organisations__in=Organisation.objects.subtree_ids(organisation_id)
            )
        return self.filter(id__in=Team.objects.filter(condition).values("id"))

    def visible_to_token(self, token) -> "TeamQuerySet":
        """Teams an API token reads, with names: its network, narrowed to its region if it has one.

        A region's BI team owns its region's data and a network token belongs to the national
        project leadership, so peer anonymisation (a team member's view) does not apply here.
        """
        teams = self.filter(network_id=token.network_id)
        if token.region_id is not None:
            teams = teams.filter(region_id=token.region_id)
        return teams

    def writable_by(self, user: User | AnonymousUser) -> "TeamQuerySet":
        """Teams whose data the user may enter: data entry and team leads of the team, and staff."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(
            memberships__user=user, memberships__role__in=TeamMembership.ENTRY_ROLES
        ).distinct()

    def led_by(self, user: User | AnonymousUser) -> "TeamQuerySet":
        """Teams whose chart settings and local targets the user may change: team leads, and staff."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(memberships__user=user, memberships__role__in=TeamMembership.LEAD_ROLES).distinct()


class Network(HumanConstraintMessages, models.Model):
    """A learning and quality team (LKT): the national network of improvement teams."""

    class Status(models.TextChoices):
        PREPARATION = "preparation", _("Under forberedelse")
        ACTIVE = "active", _("Aktiv")
        PAUSED = "paused", _("Sat på pause")
        CLOSED = "closed", _("Afsluttet")

    class PeerVisibility(models.TextChoices):
        NAMED = "named", _("Med navn")
        ANONYMISED = "anonymised", _("Anonymiseret")
        HIDDEN = "hidden", _("Skjult")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("kort navn i adresser"), max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    topic = models.CharField(_("emne"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PREPARATION)
    lead_region = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="led_networks",
        limit_choices_to={"kind": "region"},
        verbose_name=_("ansvarlig region"),
    )
    co_lead = models.CharField(
        _("medansvarlig"), max_length=200, blank=True, help_text=_("Fx KL i et tværsektorielt LKT.")
    )
    start_date = models.DateField(_("start"), help_text=_("Normalt datoen for første læringsseminar."))
    end_date = models.DateField(_("slut"), blank=True, help_text=_("To år efter start, hvis tom."))
    purpose = models.TextField(_("formål"), blank=True)
    description = models.TextField(_("projektbeskrivelse"), blank=True)
    approved_on = models.DateField(_("godkendt af styregruppen"), null=True, blank=True)
    peer_visibility = models.CharField(
        _("synlighed mellem teams"),
        max_length=20,
        choices=PeerVisibility.choices,
        default=PeerVisibility.ANONYMISED,
        help_text=_("Om teams ser hinandens data med navn, anonymiseret eller slet ikke."),
    )
    reporting_deadline_day = models.PositiveSmallIntegerField(
        _("indberetningsfrist (dag i følgende måned)"), default=10
    )
    # Entry is wider than the reporting obligation: baseline months before the kick-off may be
    # entered retrospectively, and sustain-and-spread data after the end where the network allows it.
    # Only the months between start and end are ever due (overdue, reminders, completeness).
    baseline_months = models.PositiveSmallIntegerField(
        _("baselinemåneder før start"),
        default=12,
        help_text=_("Så mange måneder før start kan teams indtaste baselinedata (udgangsniveau)."),
    )
    follow_up_months = models.PositiveSmallIntegerField(
        _("opfølgningsmåneder efter slut"),
        default=0,
        help_text=_(
            "Så mange måneder efter slut kan teams blive ved med at indtaste data (fastholdelse og "
            "spredning). Månederne efter slut er frivillige og tæller aldrig som manglende."
        ),
    )

    class RuleSet(models.TextChoices):
        # The statistics behind the variation and assurance icons (measures/spc/classify.py).
        ANHOEJ = "anhoej", _("Anhøj-reglerne (dansk standard, qicharts2)")
        MDC = "mdc", _("Making Data Count (NHS-reglerne)")

    spc_rule_set = models.CharField(
        _("regelsæt for særlig variation"),
        max_length=10,
        choices=RuleSet.choices,
        default=RuleSet.ANHOEJ,
        help_text=_("Navngives i hver signaturforklaring, rapport og API-svar."),
    )
    pooled_min_share = models.PositiveSmallIntegerField(
        _("andel teams før en måned indgår i samlede diagrammer (%)"),
        default=75,
        help_text=_(
            "En måned indgår i de nationale og regionale diagrammer, når mindst denne andel af de aktive "
            "teams har indberettet den; ellers vises den som foreløbig."
        ),
    )
    pooled_laney = models.BooleanField(
        _("Laney p'/u' i samlede p- og u-diagrammer"),
        default=True,
        help_text=_(
            "Samlede diagrammer over mange teams har store nævnere og derfor meget smalle grænser; "
            "Laneys p'- og u'-diagrammer tager højde for variationen mellem teams."
        ),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ændret"), auto_now=True)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("lærings- og kvalitetsteam")
        verbose_name_plural = _("lærings- og kvalitetsteams")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reporting_deadline_day__gte=1) & Q(reporting_deadline_day__lte=28),
                name="teams_network_deadline_day_1_28",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="teams_network_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(baseline_months__lte=120), name="teams_network_baseline_months_max_120"
            ),
            models.CheckConstraint(
                condition=Q(follow_up_months__lte=120), name="teams_network_follow_up_months_max_120"
            ),
            models.CheckConstraint(
                condition=Q(pooled_min_share__gte=1) & Q(pooled_min_share__lte=100),
                name="teams_network_pooled_min_share_1_100",
            ),
            models.CheckConstraint(
                condition=Q(spc_rule_set__in=["anhoej", "mdc"]), name="teams_network_spc_rule_set_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.end_date and self.start_date:
            self.end_date = add_months(self.start_date, 24)
        super().save(*args, **kwargs)

    @property
    def first_period(self) -> date:
        """The first month with a reporting obligation: the month the network starts."""
        return self.start_date.replace(day=1)

    @property
    def last_period(self) -> date:
        """The last month with a reporting obligation: the month the network ends."""
        end = self.end_date or add_months(self.start_date, 24)
        return end.replace(day=1)

    @property
    def entry_first_period(self) -> date:
        """The first month a team may enter: baseline months before the start."""
        return add_months(self.first_period, -self.baseline_months)

    @property
    def entry_last_period(self) -> date:
        """The last month a team may enter: the end month plus the allowed follow-up months."""
        return add_months(self.last_period, self.follow_up_months)

    @property
    def has_reporting_obligation(self) -> bool:
        """Only an active network has due months; in preparation, paused or closed, nothing is overdue."""
        return self.status == self.Status.ACTIVE


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class NetworkMembership(HumanConstraintMessages, models.Model):
    """A person's role in a network: national project lead, regional coordinator, expert, observer."""

    class Role(models.TextChoices):
        NATIONAL_LEAD = "national_lead", _("National projektleder")
        COORDINATOR = "coordinator", _("Regional tovholder")
        EXPERT = "expert", _("Medlem af ekspertgruppen")
        OBSERVER = "observer", _("Observatør / leder")

    class ExpertRole(models.TextChoices):
        CHAIR = "chair", _("Formand")
        CO_CHAIR = "co_chair", _("Medformand")
        CLINICAL = "clinical", _("Klinisk ekspert")
        PATIENT = "patient", _("Patient- eller pårørenderepræsentant")
        IMPROVEMENT = "improvement", _("Forbedringsekspert")
        DATA = "data", _("Dataekspert")
        PEER = "peer", _("Peer-ekspert")

    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("LKT")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="network_memberships",
        verbose_name=_("bruger"),
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    expert_role = models.CharField(
        _("rolle i ekspertgruppen"), max_length=20, choices=ExpertRole.choices, blank=True
    )
    region = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "region"},
        verbose_name=_("region"),
        help_text=_("Påkrævet for regionale tovholdere."),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="network_memberships",
        verbose_name=_("organisation"),
        help_text=_("For ledere: de teams i denne organisation, lederen følger."),
    )
    sector = models.CharField(_("sektor"), max_length=20, choices=Sector.choices, blank=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("rolle i LKT")
        verbose_name_plural = _("roller i LKT")
        ordering = ["network", "role", "user__last_name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "user", "role"], name="teams_networkmembership_unique_role"
            ),
            models.CheckConstraint(
                condition=~Q(role="coordinator") | Q(region__isnull=False),
                name="teams_networkmembership_coordinator_has_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} ({self.network})"


class Team(HumanConstraintMessages, models.Model):
    """A local improvement team (forbedringsteam) in one network."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    network = models.ForeignKey(
        Network, on_delete=models.PROTECT, related_name="teams", verbose_name=_("LKT")
    )
    code = models.SlugField(_("kode"), max_length=40, help_text=_("Kort, stabil kode, fx RH-HVH-INF."))
    name = models.CharField(_("navn"), max_length=200)
    organisations = models.ManyToManyField(
        Organisation, related_name="teams", verbose_name=_("organisationer"), blank=True
    )
    region = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="region_teams",
        limit_choices_to={"kind": "region"},
        verbose_name=_("region"),
    )
    sector = models.CharField(_("sektor"), max_length=20, choices=Sector.choices, default=Sector.REGION)
    is_cross_sector = models.BooleanField(_("tværsektorielt"), default=False)
    responsible_leader = models.CharField(_("ansvarlig leder"), max_length=200, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("forbedringsteam")
        verbose_name_plural = _("forbedringsteams")
        ordering = ["network", "name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "code"], name="teams_team_unique_network_code"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(HumanConstraintMessages, models.Model):
    """A person in a team, with a profession and a role that decides what they may do."""

    class Role(models.TextChoices):
        VIEWER = "viewer", _("Læseadgang")
        DATA_ENTRY = "data_entry", _("Indtaster data")
        TEAM_LEAD = "team_lead", _("Teamleder")

    # The roles that may enter the team's data (Team.objects.writable_by) and lead it (led_by).
    ENTRY_ROLES = (Role.DATA_ENTRY, Role.TEAM_LEAD)
    LEAD_ROLES = (Role.TEAM_LEAD,)

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("team")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="team_memberships",
        verbose_name=_("bruger"),
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    profession = models.CharField(_("faggruppe"), max_length=100, blank=True)
    is_local_project_lead = models.BooleanField(_("lokal projektleder"), default=False)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("teammedlem")
        verbose_name_plural = _("teammedlemmer")
        ordering = ["team", "user__last_name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="teams_teammembership_unique_team_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.team} ({self.get_role_display()})"

    @property
    def can_enter_data(self) -> bool:
        return self.role in self.ENTRY_ROLES

    @property
    def can_lead(self) -> bool:
        return self.role in self.LEAD_ROLES


class ApiToken(models.Model):
    """A named token for a regional BI tool; only a keyed hash of the secret is stored."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("navn"), max_length=120)
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("LKT")
    )
    region = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "region"},
        verbose_name=_("region"),
        help_text=_("Tom: hele LKT'et."),
    )
    write_team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skriveadgang for team"),
        help_text=_("Tom: kun læseadgang."),
    )
    prefix = models.CharField(_("præfiks"), max_length=12, help_text=_("Vises, så tokenet kan genkendes."))
    key_hash = models.CharField(_("nøgle-hash"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("oprettet af"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    expires_at = models.DateTimeField(_("udløber"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("tilbagekaldt"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("sidst brugt"), null=True, blank=True)

    class Meta:
        verbose_name = _("API-token")
        verbose_name_plural = _("API-tokens")
        ordering = ["network", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ExportEvent(models.Model):
    """One export or download of data (CSV, template, report, an API pull by token): who, what, when.

    Kept for AUDIT_RETENTION_DAYS (teams.tasks.export_events_prune_task); shown to national leads.
    """

    class Kind(models.TextChoices):
        API = "api", _("API-kald med token")
        API_CSV = "api_csv", _("CSV fra API'et")
        TEMPLATE = "template", _("Dataskabelon")
        REPORT = "report", _("Rapport")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(_("tidspunkt"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    what = models.CharField(_("hvad"), max_length=200)
    path = models.CharField(_("adresse"), max_length=500)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="export_events",
        verbose_name=_("bruger"),
    )
    token = models.ForeignKey(
        ApiToken,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="export_events",
        verbose_name=_("API-token"),
    )
    network = models.ForeignKey(
        Network,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="export_events",
        verbose_name=_("LKT"),
        help_text=_("Tom, når eksporten kan omfatte flere LKT'er."),
    )
    client_ip = models.GenericIPAddressField(_("klientadresse"), null=True, blank=True)

    class Meta:
        verbose_name = _("eksport")
        verbose_name_plural = _("eksporter")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_kind_display()}: {self.what}"


class OidcIdentity(HumanConstraintMessages, models.Model):
    """A user's identity at an OpenID Connect provider: matched on (issuer, subject), never e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="oidc_identities",
        verbose_name=_("bruger"),
    )
    issuer = models.CharField(_("udsteder"), max_length=300)
    subject = models.CharField(_("subjekt"), max_length=255)
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("sidste login"), null=True, blank=True)

    class Meta:
        verbose_name = _("SSO-identitet")
        verbose_name_plural = _("SSO-identiteter")
        ordering = ["issuer", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="teams_oidcidentity_unique_issuer_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject} -> {self.user}"
