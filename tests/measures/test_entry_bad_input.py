"""Bad input found under load: each a clear, translated error, nothing stored, never a 500."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from measures.models import Measurement, RefusedMeasurement

pytestmark = pytest.mark.django_db


def upload(client, team, content: bytes, name="data.csv", indicator=""):
    url = reverse("measures:entry-upload", kwargs={"team_uuid": team.uuid})
    return client.post(url, {"file": SimpleUploadedFile(name, content), "indicator": indicator})


def stored_values(world) -> list:
    return list(Measurement.objects.order_by("id").values_list("id", "version", "numerator"))


def test_a_csv_cell_over_128_kib_is_a_clear_error(world, client_for):
    before = stored_values(world)
    content = (
        "Indikator;Måned;Tæller;Nævner;Kommentar\nddd;2024-01;700;1000;" + "x" * 140_000 + "\n"
    ).encode()
    response = upload(client_for(world.data_entry), world.team_a, content)
    assert response.status_code == 400
    assert "over 128 KiB" in response.content.decode()
    assert stored_values(world) == before


def test_a_comma_separated_file_with_decimal_commas_is_refused_not_shifted(world, client_for):
    before = stored_values(world)
    content = b"Indikator,M\xc3\xa5ned,T\xc3\xa6ller,N\xc3\xa6vner\nddd,2024-01,612,5,1000\n"
    response = upload(client_for(world.data_entry), world.team_a, content)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Række 2 har flere felter end overskriften" in text
    assert "token" not in (response.context or {})
    assert stored_values(world) == before


def test_a_comma_separated_file_with_decimal_points_still_works(world, client_for):
    content = b"Indikator,M\xc3\xa5ned,T\xc3\xa6ller,N\xc3\xa6vner\nddd,2024-01,612.5,1000\n"
    response = upload(client_for(world.data_entry), world.team_a, content)
    assert response.status_code == 200
    assert response.context["changed"] == 1


def test_clearing_a_stored_grid_cell_without_a_version_is_a_409_not_a_500(world, client_for):
    url = reverse("measures:entry-save", kwargs={"team_uuid": world.team_a.uuid})
    data = {
        "indicator": str(world.indicator.uuid),
        "period": "2024-03",
        "numerator": "",
        "denominator": "",
        "comment": "",
        "expected_version": "",
    }
    response = client_for(world.data_entry).post(url, data, HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    body = response.json()
    assert body["state"] == "conflict"
    assert body["conflict"]["code"] == "version"
    assert body["conflict"]["stored"]["numerator"] == 630.0
    assert body["conflict"]["stored"]["entered_by"]
    assert Measurement.objects.filter(team=world.team_a, period=date(2024, 3, 1)).exists()
    assert RefusedMeasurement.objects.filter(
        team=world.team_a, period=date(2024, 3, 1), source="grid-delete"
    ).exists()


def test_a_grid_conflict_answers_with_the_stored_value_who_and_when(world, client_for):
    url = reverse("measures:entry-save", kwargs={"team_uuid": world.team_a.uuid})
    data = {
        "indicator": str(world.indicator.uuid),
        "period": "2024-03",
        "numerator": "1",
        "denominator": "10",
        "comment": "",
        "expected_version": "7",
    }
    response = client_for(world.data_entry).post(url, data, HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    conflict = response.json()["conflict"]
    assert conflict["stored"]["version"] == 1 and conflict["stored"]["updated_at"].endswith("Z")
    assert conflict["stored"]["period"] == "2024-03" and conflict["stored"]["indicator"] == "ddd"
