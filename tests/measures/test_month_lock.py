"""Data approval: a locked month refuses changes to stored values on every write path (409 `locked`,
kept in RefusedMeasurement); a late first entry is allowed and marked; unlocking is kept in history."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from measures.models import Measurement, MonthLock, RefusedMeasurement
from measures.services.entry_locks import month_lock_clear, month_lock_set

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}
MARCH = date(2024, 3, 1)


@pytest.fixture
def locked(world):
    """Team A's months up to and including June 2024 are approved and locked."""
    month_lock_set(
        network=world.network, through=date(2024, 6, 1), user=world.national_lead, note="Seminar 2"
    )
    return world


def _stored(world, period=MARCH) -> Measurement:
    return Measurement.objects.get(team=world.team_a, indicator=world.indicator, period=period)


def _cell(world, **values):
    data = {
        "indicator": str(world.indicator.uuid),
        "period": "2024-03",
        "numerator": "",
        "denominator": "",
        "comment": "",
        "expected_version": "",
    }
    data.update(values)
    return data


def test_the_grid_refuses_a_change_in_a_locked_month(locked, client_for):
    world = locked
    m = _stored(world)
    response = client_for(world.data_entry).post(
        reverse("measures:entry-save", args=[world.team_a.uuid]),
        _cell(world, numerator="700", denominator="1000", expected_version=m.version),
        **JSON,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "locked"
    assert "låst" in response.json()["message"]
    assert _stored(world).numerator == m.numerator
    refused = RefusedMeasurement.objects.get()
    assert (refused.reason, refused.numerator, refused.source) == ("locked", 700, "grid")


def test_the_grid_refuses_clearing_a_locked_value(locked, client_for):
    world = locked
    m = _stored(world)
    response = client_for(world.data_entry).post(
        reverse("measures:entry-save", args=[world.team_a.uuid]),
        _cell(world, expected_version=m.version),
        **JSON,
    )
    assert response.status_code == 409 and response.json()["code"] == "locked"
    assert Measurement.objects.filter(pk=m.pk).exists()
    assert RefusedMeasurement.objects.get().reason == "locked"


def test_a_month_after_the_lock_is_open(locked, client_for):
    world = locked
    m = _stored(world, date(2024, 7, 1))
    response = client_for(world.data_entry).post(
        reverse("measures:entry-save", args=[world.team_a.uuid]),
        _cell(world, period="2024-07", numerator="500", denominator="1000", expected_version=m.version),
        **JSON,
    )
    assert response.status_code == 200
    assert _stored(world, date(2024, 7, 1)).numerator == 500


def test_a_late_first_entry_into_a_locked_month_is_allowed_and_marked(locked, client_for):
    world = locked
    response = client_for(world.data_entry).post(
        reverse("measures:entry-save", args=[world.team_a.uuid]),
        _cell(world, indicator=str(world.count_indicator.uuid), numerator="7", denominator="10"),
        **JSON,
    )
    assert response.status_code == 200, response.content
    entry = Measurement.objects.get(team=world.team_a, indicator=world.count_indicator, period=MARCH)
    assert entry.entered_after_lock
    # ... and once stored, it is locked like the rest.
    response = client_for(world.data_entry).post(
        reverse("measures:entry-save", args=[world.team_a.uuid]),
        _cell(
            world,
            indicator=str(world.count_indicator.uuid),
            numerator="8",
            denominator="10",
            expected_version=entry.version,
        ),
        **JSON,
    )
    assert response.status_code == 409 and response.json()["code"] == "locked"


def _preview(client, world):
    content = "Dato;Tæller;Nævner\n01-03-2024;777;1000\n01-08-2024;444;1000\n".encode("iso-8859-1")
    return client.post(
        reverse("measures:entry-upload", args=[world.team_a.uuid]),
        {"file": SimpleUploadedFile("data.csv", content), "indicator": world.indicator.code},
    )


def test_the_upload_preview_names_the_locked_row(locked, client_for):
    preview = _preview(client_for(locked.data_entry), locked)
    assert "låst" in preview.content.decode()
    assert not preview.context.get("token")


def test_an_upload_confirmed_after_the_lock_is_refused_and_imports_nothing(world, client_for):
    client = client_for(world.data_entry)
    preview = _preview(client, world)
    token = preview.context["token"]
    month_lock_set(network=world.network, through=date(2024, 6, 1), user=world.national_lead)
    response = client.post(
        reverse("measures:entry-upload-confirm", args=[world.team_a.uuid]), {"token": token}
    )
    assert response.status_code == 409
    assert "låst" in response.content.decode()
    refused = RefusedMeasurement.objects.get()
    assert (refused.reason, refused.numerator, refused.source) == ("locked", 777, "upload")
    assert _stored(world).numerator != 777
    assert _stored(world, date(2024, 8, 1)).numerator != 444


def test_the_bulk_service_keeps_locked_refusals(locked):
    from decimal import Decimal

    from measures.services.entry import MeasurementRow, MeasurementsLocked, measurements_bulk_save

    world = locked
    rows = [
        MeasurementRow("ddd", MARCH, Decimal(777), Decimal(1000)),
        MeasurementRow("ddd", date(2024, 8, 1), Decimal(444), Decimal(1000)),
    ]
    with pytest.raises(MeasurementsLocked):
        measurements_bulk_save(team=world.team_a, rows=rows, user=world.data_entry, source="upload")
    assert _stored(world).numerator != 777
    assert _stored(world, date(2024, 8, 1)).numerator != 444
    refused = RefusedMeasurement.objects.get()
    assert (refused.reason, refused.numerator, refused.source) == ("locked", 777, "upload")


def test_the_api_bulk_write_answers_409_locked(locked, client_for):
    world = locked
    response = client_for(world.data_entry).post(
        f"/api/v1/teams/{world.team_a.uuid}/measurements/bulk/",
        [{"indicator": "ddd", "period": "2024-03", "numerator": 777, "denominator": 1000}],
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "locked"
    assert response.json()["errors"][0]["row"] == 1
    assert RefusedMeasurement.objects.get().source == "api"
    assert _stored(world).numerator != 777


def test_the_admin_refuses_a_change_and_a_delete(locked, client_for):
    world = locked
    m = _stored(world)
    client = client_for(world.staff)
    url = reverse("admin:measures_measurement_change", args=[m.pk])
    response = client.post(
        url, {"numerator": "555", "denominator": str(m.denominator), "comment": "", "_save": "Gem"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "låst" in response.content.decode()
    response = client.post(reverse("admin:measures_measurement_delete", args=[m.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert Measurement.objects.filter(pk=m.pk, numerator=m.numerator).exists()
    assert set(RefusedMeasurement.objects.values_list("reason", "source")) == {
        ("locked", "admin"),
        ("locked", "admin-delete"),
    }


def test_unlocking_is_kept_in_history_and_opens_the_month(locked, client_for):
    world = locked
    month_lock_clear(network=world.network, user=world.national_lead, note="Fejl i marts")
    m = _stored(world)
    response = client_for(world.data_entry).post(
        reverse("measures:entry-save", args=[world.team_a.uuid]),
        _cell(world, numerator="700", denominator="1000", expected_version=m.version),
        **JSON,
    )
    assert response.status_code == 200
    history = list(
        MonthLock.history.order_by("history_date").values_list("locked_through", "note", "history_user")
    )
    assert history == [
        (date(2024, 6, 1), "Seminar 2", world.national_lead.pk),
        (None, "Fejl i marts", world.national_lead.pk),
    ]
    page = client_for(world.viewer).get(reverse("reports:network-reports", args=[world.network.slug]))
    assert "Fejl i marts" in page.content.decode() and "låst op" in page.content.decode()


def test_only_a_national_lead_locks_and_unlocks(world, client_for):
    url = reverse("reports:month-lock", args=[world.network.slug])
    data = {"action": "lock", "through": "2024-06-01", "note": ""}
    assert client_for(world.team_lead).post(url, data).status_code == 403
    assert client_for(world.coordinator).post(url, data).status_code == 403
    assert client_for(world.outsider).post(url, data).status_code == 404
    assert client_for(world.national_lead).post(url, data).status_code == 302
    assert MonthLock.objects.get(network=world.network).locked_through == date(2024, 6, 1)
    # Unlocking needs a reason for the history.
    client_for(world.national_lead).post(url, {"action": "unlock", "note": ""})
    assert MonthLock.objects.get(network=world.network).locked_through == date(2024, 6, 1)
    client_for(world.national_lead).post(url, {"action": "unlock", "note": "Rettelse"})
    assert MonthLock.objects.get(network=world.network).locked_through is None
