"""Forms of the reports pages: ordering a report, and locking or unlocking months (data approval)."""

from datetime import date

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from measures.months import current_month
from seminars.models import Seminar
from teams.models import Network, Team

from .models import ReportSnapshot


def month_choices(network: Network, *, today: date | None = None) -> list[tuple[str, str]]:
    """The months a lock can end with, newest first: from this month back to the network's start."""
    choices = []
    period = current_month(today)
    while period >= network.first_period and len(choices) < 60:
        choices.append((period.isoformat(), formats.date_format(period, "F Y")))
        period = date(period.year - (period.month == 1), 12 if period.month == 1 else period.month - 1, 1)
    return choices


class SnapshotOrderForm(forms.Form):
    """Order a network report (national lead) or a team report (the team's own members)."""

    format = forms.ChoiceField(
        label=_("Format"), choices=ReportSnapshot.Format.choices, widget=forms.RadioSelect
    )
    seminar = forms.ModelChoiceField(
        label=_("Til seminar"),
        queryset=Seminar.objects.none(),
        required=False,
        empty_label=_("Intet seminar"),
        to_field_name="uuid",
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, to_field_name="uuid"
    )
    lock = forms.BooleanField(
        label=_("Godkend data: lås månederne til og med den valgte måned"), required=False
    )
    lock_through = forms.ChoiceField(label=_("Lås til og med"), required=False)

    def __init__(self, *args, network: Network, teams=None, can_lock: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.network = network
        self.fields["seminar"].queryset = Seminar.objects.filter(network=network).order_by("-starts_at")
        if teams is None:
            del self.fields["team"]
        else:
            self.fields["team"].queryset = teams
            self.fields["team"].required = True
        if can_lock:
            choices = month_choices(network)
            self.fields["lock_through"].choices = choices
            # Default: the month before this one, the last month teams were due to report.
            self.fields["lock_through"].initial = choices[1][0] if len(choices) > 1 else None
        else:
            del self.fields["lock"]
            del self.fields["lock_through"]

    def clean(self):
        data = super().clean()
        if data.get("lock") and not data.get("lock_through"):
            self.add_error("lock_through", _("Vælg den sidste måned, der skal låses."))
        if data.get("lock") and data.get("lock_through"):
            data["lock_through_date"] = date.fromisoformat(data["lock_through"])
        return data


class MonthLockForm(forms.Form):
    """Lock the network's months up to one month, or unlock them all; a reason goes into the history."""

    action = forms.ChoiceField(
        choices=[("lock", _("Lås")), ("unlock", _("Lås op"))], widget=forms.HiddenInput
    )
    through = forms.ChoiceField(label=_("Lås til og med"), required=False)
    note = forms.CharField(label=_("Begrundelse"), max_length=300, required=False)

    def __init__(self, *args, network: Network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["through"].choices = month_choices(network)

    def clean(self):
        data = super().clean()
        if data.get("action") == "lock":
            if not data.get("through"):
                self.add_error("through", _("Vælg den sidste måned, der skal låses."))
            else:
                data["through_date"] = date.fromisoformat(data["through"])
        elif data.get("action") == "unlock" and not (data.get("note") or "").strip():
            self.add_error("note", _("Skriv hvorfor månederne låses op; begrundelsen gemmes i historikken."))
        return data
