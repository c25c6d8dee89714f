"""Admin edits of measurements go through the service: validated, versioned, kept in history."""

from datetime import date

import pytest
from django.urls import reverse

from measures.models import Measurement, RefusedMeasurement
from measures.services.entry import measurement_save

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def form_data(m, **changes):
    data = {
        "numerator": str(m.numerator),
        "denominator": str(m.denominator),
        "comment": m.comment,
        # The hidden field the change page carries: the version the staff user saw.
        "expected_version": str(m.version),
        "_save": "Gem",
    }
    data.update(changes)
    return data


def test_an_admin_change_is_kept_in_history_with_the_staff_user(world, client_for):
    m = Measurement.objects.get(team=world.team_a, indicator=world.indicator, period=date(2024, 2, 1))
    url = reverse("admin:measures_measurement_change", args=[m.pk])
    response = client_for(world.staff).post(url, form_data(m, numerator="555"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    m.refresh_from_db()
    assert m.numerator == 555 and m.version == 2
    record = m.history.latest()
    assert record.history_user == world.staff and record.numerator == 555


def test_an_admin_change_is_validated_like_the_grid(world, client_for):
    m = Measurement.objects.get(team=world.team_a, indicator=world.indicator, period=date(2024, 2, 1))
    url = reverse("admin:measures_measurement_change", args=[m.pk])
    response = client_for(world.staff).post(url, form_data(m, denominator="0"))
    assert response.status_code == 200
    assert "Nævneren skal være større end 0." in response.content.decode()
    m.refresh_from_db()
    assert m.denominator == 1000 and not m.history.exists()


def test_an_admin_delete_is_kept_in_history(world, client_for):
    m = Measurement.objects.get(team=world.team_a, indicator=world.indicator, period=date(2024, 2, 1))
    url = reverse("admin:measures_measurement_delete", args=[m.pk])
    response = client_for(world.staff).post(url, {"post": "yes"})
    assert response.status_code == 302
    record = Measurement.history.get(id=m.pk)
    assert record.history_type == "-" and record.history_user == world.staff


def test_an_admin_change_from_an_old_version_is_refused_with_409_and_kept(world, client_for):
    m = Measurement.objects.get(team=world.team_a, indicator=world.indicator, period=date(2024, 2, 1))
    seen = form_data(m, numerator="555")
    measurement_save(
        team=world.team_a,
        indicator=world.indicator,
        period=m.period,
        numerator=m.numerator + 1,
        denominator=m.denominator,
        expected_version=m.version,
        user=world.team_lead,
    )
    url = reverse("admin:measures_measurement_change", args=[m.pk])
    response = client_for(world.staff).post(url, seen)
    assert response.status_code == 409
    assert str(world.team_lead.get_username()) in response.content.decode()
    m.refresh_from_db()
    assert m.numerator != 555 and m.version == 2
    refused = RefusedMeasurement.objects.get(team=world.team_a, period=m.period)
    assert refused.numerator == 555 and refused.source == "admin" and refused.stored_version == 2
