"""API tokens for regional BI tools: list, create (shown once), revoke. Staff and national project leads."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .access import NetworkAccess, get_network_for_user
from .models import ApiToken, Network, Organisation, Team
from .services import api_token_create, api_token_revoke


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Navn"),
        max_length=120,
        help_text=_("Hvem eller hvad bruger tokenet, fx “Power BI, Region Hovedstaden”."),
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Hele LKT'et"),
        help_text=_("Tokenet ser kun teams i denne region."),
    )
    write_team = forms.ModelChoiceField(
        label=_("Skriveadgang for team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Ingen (kun læseadgang)"),
        help_text=_("Kun til teams, der indberetter fra egne systemer."),
    )
    expires_on = forms.DateField(
        label=_("Udløber"),
        required=False,
        input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y"],
        widget=forms.DateInput(
            format="%d.%m.%Y", attrs={"placeholder": _("dd.mm.åååå"), "inputmode": "numeric"}
        ),
        help_text=_(
            "Skriv datoen som dd.mm.åååå, fx 31.12.2027. Tokenet virker til og med denne dag. Tom: udløber ikke."
        ),
    )

    def __init__(self, *args, network: Network, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Organisation.objects.filter(kind=Organisation.Kind.REGION).order_by(
            "name"
        )
        self.fields["write_team"].queryset = Team.objects.filter(network=network).order_by("name")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-input"
            field.widget.attrs.setdefault("class", css)

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate():
            raise ValidationError(_("Udløbsdatoen skal ligge i fremtiden."))
        return day

    @property
    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        # Valid through the chosen day: it expires at the next local midnight.
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _render_list(
    request: HttpRequest, access: NetworkAccess, form: ApiTokenForm, status: int = 200
) -> HttpResponse:
    tokens = (
        ApiToken.objects.filter(network=access.network)
        .select_related("region", "write_team", "created_by")
        .order_by("revoked_at", "-created_at")
    )
    context = {
        "access": access,
        "network": access.network,
        "tokens": tokens,
        "form": form,
        "now": timezone.now(),
    }
    return render(request, "teams/tokens_list.html", context, status=status)


@login_required
def token_list(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug, lead=True)
    return _render_list(request, access, ApiTokenForm(network=access.network))


@login_required
@require_POST
def token_create(request: HttpRequest, slug: str) -> HttpResponse:
    access = get_network_for_user(request.user, slug, lead=True)
    form = ApiTokenForm(request.POST, network=access.network)
    if form.is_valid():
        try:
            token, raw = api_token_create(
                network=access.network,
                name=form.cleaned_data["name"],
                region=form.cleaned_data["region"],
                write_team=form.cleaned_data["write_team"],
                expires_at=form.expires_at,
                user=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # Rendered, not redirected: the secret must never travel in a URL or sit in the session.
            response = render(
                request,
                "teams/tokens_created.html",
                {"access": access, "network": access.network, "token": token, "raw_token": raw},
            )
            response["Cache-Control"] = "no-store"
            return response
    return _render_list(request, access, form, status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, slug: str, token_uuid) -> HttpResponse:
    access = get_network_for_user(request.user, slug, lead=True)
    token = ApiToken.objects.filter(network=access.network, uuid=token_uuid).first()
    if token is None:
        raise Http404
    api_token_revoke(token=token, user=request.user)
    messages.success(request, gettext("Tokenet “%(name)s” er tilbagekaldt.") % {"name": token.name})
    return redirect("teams:api-tokens", slug=access.network.slug)
