"""Clusters of general practices, their practices and prescribing doctors, and package providers."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from lkt.constraints import HumanConstraintMessages
from teams.models import Network, NetworkMembership, Organisation


class Provider(models.Model):
    """A package provider, e.g. the regional medicines unit (Lægemiddelenheden) with KAP-S."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("kort navn i adresser"), max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    region = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "region"},
        verbose_name=_("region"),
    )
    contact_email = models.EmailField(_("kontakt (e-mail)"), blank=True)

    class Meta:
        verbose_name = _("pakkeudbyder")
        verbose_name_plural = _("pakkeudbydere")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProviderMembership(HumanConstraintMessages, models.Model):
    """A person who edits the provider's packages and presents cluster data (e.g. a pharmacist)."""

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("pakkeudbyder")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="provider_memberships",
        verbose_name=_("bruger"),
    )
    title = models.CharField(_("titel"), max_length=100, blank=True, help_text=_("Fx farmaceut."))

    class Meta:
        verbose_name = _("medarbejder hos pakkeudbyder")
        verbose_name_plural = _("medarbejdere hos pakkeudbydere")
        ordering = ["provider", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "user"], name="clusters_providermembership_unique_provider_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.provider}"


class ClusterQuerySet(models.QuerySet):
    def visible_to(self, user: User | AnonymousUser) -> "ClusterQuerySet":
        """Clusters the user may open: members and coordinators; the provider of a package the cluster
        has planned a meeting with; the cluster's LKT's national leads and its region's coordinators
        (those two see cluster and practice figures only, see clusters.access); staff."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_staff:
            return self.all()
        memberships = NetworkMembership.objects.filter(user=user)
        national = memberships.filter(role=NetworkMembership.Role.NATIONAL_LEAD).values("network_id")
        coordinated = memberships.filter(role=NetworkMembership.Role.COORDINATOR).values_list(
            "network_id", "region_id"
        )
        condition = (
            Q(memberships__user=user)
            | Q(meetings__package__provider__memberships__user=user)
            | Q(network_id__in=national)
        )
        for network_id, region_id in coordinated:
            condition |= Q(network_id=network_id, region_id=region_id)
        return self.filter(id__in=Cluster.objects.filter(condition).values("id"))

    def visible_to_token(self, token) -> "ClusterQuerySet":
        """An API token's clusters: its network, narrowed to its region (cluster and practice level only)."""
        clusters = self.filter(network_id=token.network_id)
        if token.region_id is not None:
            clusters = clusters.filter(region_id=token.region_id)
        return clusters


class Cluster(models.Model):
    """A cluster of nearby general practices (praksisklynge), led by a cluster coordinator."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("kort navn i adresser"), max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    region = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="gp_clusters",
        limit_choices_to={"kind": "region"},
        verbose_name=_("region"),
    )
    # The LKT whose national project leadership and regional coordinators follow the cluster's
    # cluster- and practice-level figures (and whose API tokens read them). Optional: most clusters
    # work outside any LKT.
    network = models.ForeignKey(
        Network,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gp_clusters",
        verbose_name=_("LKT"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    objects = ClusterQuerySet.as_manager()

    class Meta:
        verbose_name = _("praksisklynge")
        verbose_name_plural = _("praksisklynger")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Practice(HumanConstraintMessages, models.Model):
    """A general practice (klinik) in a cluster; patients are listed with the practice."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="practices", verbose_name=_("praksisklynge")
    )
    code = models.CharField(_("ydernummer"), max_length=20, help_text=_("Praksissens ydernummer."))
    name = models.CharField(_("navn"), max_length=200)

    class Meta:
        verbose_name = _("praksis")
        verbose_name_plural = _("praksisser")
        ordering = ["cluster", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "code"], name="clusters_practice_unique_cluster_code"),
        ]

    def __str__(self) -> str:
        return self.name


class Prescriber(HumanConstraintMessages, models.Model):
    """A prescribing doctor (behandler) in a practice; `user` is the doctor's own login, if any."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="prescribers", verbose_name=_("praksis")
    )
    code = models.CharField(_("behandler-id"), max_length=20)
    name = models.CharField(_("navn"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prescribers",
        verbose_name=_("bruger"),
    )

    # Who linked which login to the doctor (the member page), kept as for every entered change.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("behandler")
        verbose_name_plural = _("behandlere")
        ordering = ["practice", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "code"], name="clusters_prescriber_unique_practice_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClusterMembership(HumanConstraintMessages, models.Model):
    """A person's role in a cluster: the coordinator or a member (a doctor of one of its practices)."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Klyngekoordinator")
        MEMBER = "member", _("Klyngemedlem")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    cluster = models.ForeignKey(
        Cluster, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("praksisklynge")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cluster_memberships",
        verbose_name=_("bruger"),
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    practice = models.ForeignKey(
        Practice,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("praksis"),
    )
    created_at = models.DateTimeField(_("oprettet"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("klyngemedlem")
        verbose_name_plural = _("klyngemedlemmer")
        ordering = ["cluster", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "user"], name="clusters_clustermembership_unique_cluster_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.cluster} ({self.get_role_display()})"
