"""The foundation: database constraints, every admin page, and Danish as the default language."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse

from measures.models import Measurement

pytestmark = pytest.mark.django_db


def create_measurement(world, **overrides) -> Measurement:
    # A raw create, not a form or service: the database itself must refuse bad rows.
    values = {
        "team": world.team_b,
        "indicator": world.indicator,
        "period": date(2027, 1, 1),
        "numerator": Decimal("10"),
        "denominator": Decimal("100"),
        "indicator_version": 1,
    }
    values.update(overrides)
    with transaction.atomic():
        return Measurement.objects.create(**values)


def test_a_valid_measurement_is_stored(world):
    measurement = create_measurement(world, numerator=Decimal("12.5"), denominator=Decimal("0.25"))
    measurement.refresh_from_db()
    assert measurement.numerator == Decimal("12.5")
    assert measurement.denominator == Decimal("0.25")


def test_it_refuses_a_second_measurement_for_the_same_team_indicator_and_month(world):
    create_measurement(world)
    with pytest.raises(IntegrityError):
        create_measurement(world, numerator=Decimal("11"))
    assert Measurement.objects.filter(team=world.team_b).count() == 1


def test_it_allows_the_same_month_for_another_team_or_indicator(world):
    create_measurement(world)
    create_measurement(
        world, indicator=world.count_indicator, numerator=Decimal("3"), denominator=Decimal("4")
    )
    create_measurement(world, team=world.other_team)
    assert Measurement.objects.filter(period=date(2027, 1, 1)).count() == 3


def test_it_refuses_a_negative_numerator(world):
    with pytest.raises(IntegrityError):
        create_measurement(world, numerator=Decimal("-1"))


def test_it_refuses_a_zero_denominator(world):
    with pytest.raises(IntegrityError):
        create_measurement(world, denominator=Decimal("0"))


def test_it_refuses_a_negative_denominator(world):
    with pytest.raises(IntegrityError):
        create_measurement(world, denominator=Decimal("-5"))


def test_it_refuses_a_period_that_is_not_the_first_of_the_month(world):
    with pytest.raises(IntegrityError):
        create_measurement(world, period=date(2027, 1, 15))


def test_it_refuses_an_empty_value_unless_nothing_to_report(world):
    with pytest.raises(IntegrityError):
        create_measurement(world, numerator=None, denominator=None)
    create_measurement(world, numerator=None, denominator=None, nothing_to_report=True)


def admin_models() -> list:
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def test_every_model_of_our_apps_is_in_the_admin():
    from django.apps import apps

    registered = set(admin.site._registry)
    ours = [
        model
        for app in ("teams", "measures", "seminars", "reports", "clusters")
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
    ]
    assert [model.__name__ for model in ours if model not in registered] == []


def test_admin_pages_render_for_every_registered_model(world, client_for):
    # One test over admin.site._registry (not a fixed list), so a new model is covered automatically;
    # one world for all of them, because building it costs seconds. The GP cluster world gives every
    # clusters model a row, so their change pages are rendered too.
    from tests.clusters.factory import build_cluster_world

    build_cluster_world(world)
    client = client_for(world.staff)
    request = RequestFactory().get("/")
    request.user = world.staff
    failures = []
    for model, model_admin in admin_models():
        opts = model._meta
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        changelist = client.get(reverse(f"{prefix}_changelist"))
        if changelist.status_code != 200:
            failures.append(f"{opts.label} changelist: {changelist.status_code}")
        # Some models are written only by the application (chart results, hashed API tokens).
        expected = 200 if model_admin.has_add_permission(request) else 403
        add = client.get(reverse(f"{prefix}_add"))
        if add.status_code != expected:
            failures.append(f"{opts.label} add: {add.status_code}, expected {expected}")
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            change = client.get(reverse(f"{prefix}_change", args=[obj.pk]))
            if change.status_code != 200:
                failures.append(f"{opts.label} change: {change.status_code}")
    assert len(admin_models()) >= 25
    assert failures == []


def test_admin_pages_are_in_danish(world, client_for):
    response = client_for(world.staff).get(reverse("admin:measures_measurement_changelist"))
    assert "målinger" in response.content.decode().lower()


def test_danish_is_the_default_language(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="da">' in html
    assert "Log ind" in html
    assert "Brugernavn" in html


def test_danish_is_the_default_even_when_the_browser_asks_for_an_unknown_language(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="da">' in response.content.decode()


def test_english_is_served_after_switching_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    # Django's own catalogue is complete in English, so the admin login proves the switch took effect.
    admin_login = client.get(reverse("admin:login")).content.decode()
    assert 'lang="en"' in admin_login
    assert "Log in" in admin_login
    assert "Log ind" not in admin_login


def test_a_browser_that_prefers_english_still_gets_danish_until_the_user_switches(client):
    # Danish first (lkt.middleware.LanguageMiddleware): a PC set up in English does not switch the
    # product; only the language switch does. ("Log in" is a substring of "Log ind": compare whole.)
    page = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="da"' in page
    assert "Log ind" in page
    assert 'lang="en"' not in page


def test_the_any_lookup_selects_as_in_does(world):
    """`field__any` (lkt/lookups.py) is `__in` with the list as one array parameter on PostgreSQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = create_measurement(world, period=date(2027, 1, 1))
    second = create_measurement(world, period=date(2027, 2, 1))
    other_team = create_measurement(world, team=world.team_a, period=date(2027, 1, 1))
    ids = [first.id, second.id, 10**9]
    with CaptureQueriesContext(connection) as queries:
        assert set(Measurement.objects.filter(id__any=ids).values_list("id", flat=True)) == {
            first.id,
            second.id,
        }
    if connection.vendor == "postgresql":
        assert "= ANY(" in queries[0]["sql"]
    assert not Measurement.objects.filter(id__any=[]).exists()
    # A foreign key's column, a set, and negated.
    assert set(Measurement.objects.filter(team_id__any={world.team_a.id}).values_list("id", flat=True)) >= {
        other_team.id
    }
    assert not Measurement.objects.filter(team_id__any={world.team_a.id}, id__any=[first.id]).exists()
    rest = Measurement.objects.exclude(id__any=[first.id]).values_list("id", flat=True)
    assert first.id not in rest and second.id in rest
