"""Chart settings (baseline, phase breaks, excluded points) and annotations: services, recomputation, views."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from measures import charts
from measures.models import Annotation, ChartResult, ChartSettings, ExcludedPoint, PhaseBreak
from measures.services import chart_settings as services
from tests.base import month

pytestmark = pytest.mark.django_db


def team_row(world, indicator=None) -> ChartResult:
    return ChartResult.objects.get(scope="team", team=world.team_a, indicator=indicator or world.indicator)


def next_month() -> date:
    today = timezone.localdate()
    return (today.replace(day=28) + timedelta(days=5)).replace(day=1)


def series_kwargs(world) -> dict:
    return {"team": world.team_a, "indicator": world.indicator}


def series_url(name: str, world, **extra) -> str:
    return reverse(
        f"measures:{name}",
        kwargs={"team_uuid": world.team_a.uuid, "indicator_uuid": world.indicator.uuid, **extra},
    )


def indicator_url(world) -> str:
    return series_url("indicator-dashboard", world)


# --- Baseline (fastfrys) ----------------------------------------------------------------------------


def test_it_freezes_the_baseline_and_recomputes_the_chart(world, django_capture_on_commit_callbacks):
    charts.chart_result_recompute(**series_kwargs(world))
    with django_capture_on_commit_callbacks(execute=True):
        saved = services.chart_settings_update(
            **series_kwargs(world), baseline_end=month(2024, 12), expected_version=None, user=world.team_lead
        )
    assert saved.settings.version == 1
    assert saved.warnings == []
    row = team_row(world)
    assert row.is_stale is False
    assert row.data["baseline_end"] == "2024-12-01"
    assert [p["baseline"] for p in row.data["points"]] == [True] * 12 + [False] * 12


def test_it_marks_the_chart_stale_in_the_same_transaction(world):
    charts.chart_result_recompute(**series_kwargs(world))
    assert team_row(world).is_stale is False
    # Without running the on-commit callbacks the row must already say "stale".
    services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 12), expected_version=None, user=world.team_lead
    )
    assert team_row(world).is_stale is True


# Real commits: each service call is its own request, and the chart is recomputed after each.
@pytest.mark.django_db(transaction=True)
def test_it_unfreezes_the_baseline(world):
    services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 12), expected_version=None, user=world.team_lead
    )
    saved = services.chart_settings_update(
        **series_kwargs(world), baseline_end=None, expected_version=1, user=world.team_lead
    )
    assert saved.settings.baseline_end is None
    assert saved.settings.version == 2
    assert all(p["baseline"] for p in team_row(world).data["points"])


def test_it_warns_but_saves_a_baseline_of_fewer_than_ten_points(world):
    saved = services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 6), expected_version=None, user=world.team_lead
    )
    assert saved.settings.baseline_end == month(2024, 6)
    assert len(saved.warnings) == 1
    assert "6 punkter" in saved.warnings[0]


def test_it_counts_excluded_points_out_of_the_baseline(world):
    for m in (2, 3, 4):
        services.excluded_point_add(
            **series_kwargs(world), period=month(2024, m), reason="Ombygning", user=world.team_lead
        )
    saved = services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 12), expected_version=None, user=world.team_lead
    )
    assert "9 punkter" in saved.warnings[0]


def test_it_warns_that_phase_breaks_override_the_baseline(world):
    services.phase_break_add(**series_kwargs(world), period=month(2025, 1), label="", user=world.team_lead)
    saved = services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 12), expected_version=None, user=world.team_lead
    )
    assert any("faser" in w for w in saved.warnings)


def test_it_rejects_a_baseline_in_a_month_without_data(world):
    with pytest.raises(ValidationError) as exc:
        services.chart_settings_update(
            **series_kwargs(world), baseline_end=month(2026, 1), expected_version=None, user=world.team_lead
        )
    assert "baseline_end" in exc.value.message_dict
    assert not ChartSettings.objects.exists()


def test_it_rejects_a_baseline_in_the_future_or_before_the_start_or_not_on_day_1(world):
    for bad in (next_month(), month(2023, 12), date(2024, 6, 15)):
        with pytest.raises(ValidationError) as exc:
            services.chart_settings_update(
                **series_kwargs(world), baseline_end=bad, expected_version=None, user=world.team_lead
            )
        assert "baseline_end" in exc.value.message_dict
    assert not ChartSettings.objects.exists()


def test_it_refuses_a_stale_save_and_names_who_changed_the_settings(world):
    services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 12), expected_version=None, user=world.team_lead
    )
    services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 10), expected_version=1, user=world.staff
    )
    with pytest.raises(services.ChartSettingsConflict) as exc:
        services.chart_settings_update(
            **series_kwargs(world), baseline_end=month(2024, 11), expected_version=1, user=world.team_lead
        )
    assert "staff" in exc.value.messages[0]
    assert "okt. 2024" in exc.value.messages[0]
    stored = ChartSettings.objects.get()
    assert (stored.baseline_end, stored.version, stored.updated_by) == (month(2024, 10), 2, world.staff)


def test_it_refuses_a_first_save_when_someone_else_saved_first(world):
    services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 12), expected_version=None, user=world.staff
    )
    with pytest.raises(services.ChartSettingsConflict):
        services.chart_settings_update(
            **series_kwargs(world), baseline_end=month(2024, 11), expected_version=None, user=world.team_lead
        )


def test_it_keeps_history_with_the_user(world):
    services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 12), expected_version=None, user=world.team_lead
    )
    services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 11), expected_version=1, user=world.staff
    )
    history = list(ChartSettings.history.order_by("history_date").values_list("baseline_end", "history_user"))
    assert history == [(month(2024, 12), world.team_lead.id), (month(2024, 11), world.staff.id)]


def test_it_rejects_an_indicator_of_another_network(world):
    from measures.models import Indicator
    from tests.base import publish

    foreign = publish(
        Indicator.objects.create(
            network=world.other_network, code="x", name="X", numerator_definition="x", chart_type="run"
        ),
        world.staff,
    )
    with pytest.raises(ValidationError):
        services.chart_settings_update(
            team=world.team_a, indicator=foreign, baseline_end=None, expected_version=None, user=world.staff
        )


# --- Phase breaks (faseskift) -----------------------------------------------------------------------


def test_it_adds_a_phase_break_and_recomputes_the_parts(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        phase = services.phase_break_add(
            **series_kwargs(world), period=month(2025, 1), label="Ny vejledning", user=world.team_lead
        )
    assert phase.label == "Ny vejledning"
    data = team_row(world).data
    assert [p["part"] for p in data["points"]] == [1] * 12 + [2] * 12
    assert data["parts"][1]["label"] == "Ny vejledning"
    assert PhaseBreak.history.get().history_user == world.team_lead


def test_it_rejects_a_phase_break_at_the_first_data_month(world):
    with pytest.raises(ValidationError) as exc:
        services.phase_break_add(
            **series_kwargs(world), period=month(2024, 1), label="", user=world.team_lead
        )
    assert "første måned med data" in exc.value.message_dict["period"][0]


def test_it_rejects_a_phase_break_outside_the_period(world):
    for bad in (next_month(), month(2023, 6), date(2025, 1, 2)):
        with pytest.raises(ValidationError) as exc:
            services.phase_break_add(**series_kwargs(world), period=bad, label="", user=world.team_lead)
        assert "period" in exc.value.message_dict
    assert not PhaseBreak.objects.exists()


def test_it_rejects_a_duplicate_phase_break(world):
    services.phase_break_add(**series_kwargs(world), period=month(2025, 1), label="", user=world.team_lead)
    with pytest.raises(ValidationError) as exc:
        services.phase_break_add(
            **series_kwargs(world), period=month(2025, 1), label="igen", user=world.team_lead
        )
    assert "allerede" in exc.value.message_dict["period"][0]


def test_it_rejects_a_phase_break_without_data(world):
    with pytest.raises(ValidationError):
        services.phase_break_add(
            team=world.team_a,
            indicator=world.count_indicator,
            period=month(2025, 1),
            label="",
            user=world.team_lead,
        )


# Real commits: each service call is its own request, and the chart is recomputed after each.
@pytest.mark.django_db(transaction=True)
def test_it_removes_a_phase_break_and_recomputes(world):
    services.phase_break_add(**series_kwargs(world), period=month(2025, 1), label="", user=world.team_lead)
    services.phase_break_remove(**series_kwargs(world), period=month(2025, 1), user=world.staff)
    assert not PhaseBreak.objects.exists()
    assert {p["part"] for p in team_row(world).data["points"]} == {1}
    deleted = PhaseBreak.history.get(history_type="-")
    assert deleted.history_user == world.staff
    with pytest.raises(ValidationError):
        services.phase_break_remove(**series_kwargs(world), period=month(2025, 1), user=world.staff)


# --- Excluded points (udelad punkt) -----------------------------------------------------------------


def test_it_excludes_a_point_and_recomputes(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.excluded_point_add(
            **series_kwargs(world), period=month(2024, 7), reason=" Ombygning ", user=world.team_lead
        )
    data = team_row(world).data
    assert data["points"][6]["include"] is False
    assert sum(1 for p in data["points"] if not p["include"]) == 1
    assert data["excluded"] == [{"period": "2024-07-01", "reason": "Ombygning"}]
    assert ExcludedPoint.history.get().history_user == world.team_lead


def test_it_requires_a_reason_to_exclude_a_point(world):
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as exc:
            services.excluded_point_add(
                **series_kwargs(world), period=month(2024, 7), reason=reason, user=world.team_lead
            )
        assert "reason" in exc.value.message_dict
    assert not ExcludedPoint.objects.exists()


def test_it_rejects_excluding_a_month_without_data_or_outside_the_period(world):
    for bad in (month(2026, 1), next_month(), month(2023, 12)):
        with pytest.raises(ValidationError) as exc:
            services.excluded_point_add(**series_kwargs(world), period=bad, reason="x", user=world.team_lead)
        assert "period" in exc.value.message_dict


def test_it_rejects_excluding_a_point_twice(world):
    services.excluded_point_add(
        **series_kwargs(world), period=month(2024, 7), reason="a", user=world.team_lead
    )
    with pytest.raises(ValidationError):
        services.excluded_point_add(
            **series_kwargs(world), period=month(2024, 7), reason="b", user=world.team_lead
        )


# Real commits: each service call is its own request, and the chart is recomputed after each.
@pytest.mark.django_db(transaction=True)
def test_it_takes_an_excluded_point_back(world):
    services.excluded_point_add(
        **series_kwargs(world), period=month(2024, 7), reason="a", user=world.team_lead
    )
    services.excluded_point_remove(**series_kwargs(world), period=month(2024, 7), user=world.team_lead)
    assert all(p["include"] for p in team_row(world).data["points"])
    assert ExcludedPoint.history.filter(history_type="-", history_user=world.team_lead).exists()


# --- Annotations --------------------------------------------------------------------------------------


def test_it_adds_an_annotation_to_one_chart(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = services.annotation_create(
            team=world.team_a,
            indicator=world.indicator,
            date=date(2024, 9, 3),
            kind="intervention",
            text="PDSA 2: huskeseddel",
            user=world.data_entry,
        )
    assert note.created_by == world.data_entry
    annotations = team_row(world).data["annotations"]
    assert [(a["date"], a["text"]) for a in annotations] == [("2024-09-03", "PDSA 2: huskeseddel")]
    assert Annotation.history.get().history_user == world.data_entry


def test_an_annotation_without_indicator_marks_all_the_teams_charts_stale(world):
    charts.chart_result_recompute(**series_kwargs(world))
    charts.chart_result_recompute(team=world.team_a, indicator=world.count_indicator)
    services.annotation_create(
        team=world.team_a,
        indicator=None,
        date=date(2024, 9, 3),
        kind="event",
        text="Ny afdelingsleder",
        user=world.team_lead,
    )
    assert team_row(world).is_stale is True
    assert team_row(world, world.count_indicator).is_stale is True


def test_it_validates_annotations(world):
    cases = [
        ({"text": "  "}, "text"),
        ({"kind": "pdsa"}, "kind"),
        ({"date": timezone.localdate() + timedelta(days=1)}, "date"),
        ({"date": date(2023, 12, 31)}, "date"),
    ]
    for change, field in cases:
        kwargs = {
            "team": world.team_a,
            "indicator": world.indicator,
            "date": date(2024, 9, 3),
            "kind": "note",
            "text": "Note",
            "user": world.data_entry,
            **change,
        }
        with pytest.raises(ValidationError) as exc:
            services.annotation_create(**kwargs)
        assert field in exc.value.message_dict
    assert not Annotation.objects.exists()


# Real commits: each service call is its own request, and the chart is recomputed after each.
@pytest.mark.django_db(transaction=True)
def test_it_deletes_an_annotation_and_recomputes(world):
    note = services.annotation_create(
        team=world.team_a,
        indicator=world.indicator,
        date=date(2024, 9, 3),
        kind="note",
        text="Note",
        user=world.data_entry,
    )
    services.annotation_delete(annotation=note, user=world.team_lead)
    assert not Annotation.objects.exists()
    assert team_row(world).data["annotations"] == []
    assert Annotation.history.get(history_type="-").history_user == world.team_lead


# --- Views: permissions per role ----------------------------------------------------------------------


def test_the_team_lead_sets_the_baseline_and_sees_the_success_message(world, client_for):
    client = client_for(world.team_lead)
    response = client.post(series_url("chart-settings", world), {"baseline_end": "2024-12", "version": ""})
    assert response.status_code == 302
    assert response["Location"] == indicator_url(world)
    html = client.get(response["Location"]).content.decode()
    assert "Indstillingerne er gemt. Diagrammet opdateres." in html
    assert "dec. 2024" in html
    assert ChartSettings.objects.get().baseline_end == month(2024, 12)


def test_the_team_lead_removes_the_baseline_with_the_no_baseline_choice(world, client_for):
    services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 12), expected_version=None, user=world.team_lead
    )
    response = client_for(world.team_lead).post(
        series_url("chart-settings", world), {"baseline_end": "ingen", "version": "1"}
    )
    assert response.status_code == 302
    stored = ChartSettings.objects.get()
    assert (stored.baseline_end, stored.version) == (None, 2)


def test_the_settings_form_shows_a_warning_for_a_short_baseline(world, client_for):
    client = client_for(world.team_lead)
    response = client.post(series_url("chart-settings", world), {"baseline_end": "2024-05"}, follow=True)
    assert "Baseline har kun 5 punkter" in response.content.decode()


def test_a_stale_settings_form_is_refused_with_who_changed_it(world, client_for):
    services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 12), expected_version=None, user=world.staff
    )
    response = client_for(world.team_lead).post(
        series_url("chart-settings", world), {"baseline_end": "2024-06", "version": ""}
    )
    assert response.status_code == 200
    assert "ændret af staff" in response.content.decode()
    assert ChartSettings.objects.get().baseline_end == month(2024, 12)


def test_a_month_outside_the_list_is_refused_by_the_form(world, client_for):
    response = client_for(world.team_lead).post(
        series_url("chart-settings", world), {"baseline_end": "2026-02"}
    )
    assert response.status_code == 200
    assert not ChartSettings.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("team_lead", 302),
        ("staff", 302),
        ("data_entry", 403),
        ("viewer", 403),
        ("coordinator", 403),
        ("national_lead", 403),
        ("other_team_member", 404),
        ("outsider", 404),
        ("stranger", 404),
    ],
)
def test_only_the_team_lead_changes_chart_settings(world, client_for, role, status):
    client = client_for(getattr(world, role))
    assert client.post(series_url("chart-settings", world), {"baseline_end": "2024-12"}).status_code == status
    assert (
        client.post(series_url("phase-break-add", world), {"period": "2025-01", "label": ""}).status_code
        == status
    )
    assert (
        client.post(
            series_url("excluded-point-add", world), {"period": "2024-07", "reason": "Ombygning"}
        ).status_code
        == status
    )
    assert client.post(series_url("phase-break-remove", world, period="2025-01")).status_code == status
    assert client.post(series_url("excluded-point-remove", world, period="2024-07")).status_code == status
    expected_rows = 1 if status == 302 else 0
    assert ChartSettings.objects.count() == expected_rows
    # Removed again by the same (permitted) user.
    assert not PhaseBreak.objects.exists()
    assert not ExcludedPoint.objects.exists()


def test_a_permitted_phase_break_and_exclusion_are_stored(world, client_for):
    client = client_for(world.team_lead)
    client.post(series_url("phase-break-add", world), {"period": "2025-01", "label": "Ny vejledning"})
    client.post(series_url("excluded-point-add", world), {"period": "2024-07", "reason": "Ombygning"})
    assert PhaseBreak.objects.get().label == "Ny vejledning"
    assert ExcludedPoint.objects.get().reason == "Ombygning"


def test_an_invalid_phase_break_shows_the_form_with_the_error(world, client_for):
    response = client_for(world.team_lead).post(series_url("phase-break-add", world), {"period": "2024-01"})
    assert response.status_code == 200  # the first data month is not in the list
    assert "form-error-message" in response.content.decode()
    response = client_for(world.team_lead).post(
        series_url("excluded-point-add", world), {"period": "2024-07"}
    )
    assert "Skriv en begrundelse" in response.content.decode()


def test_the_settings_page_is_for_the_team_lead(world, client_for):
    url = series_url("chart-settings", world)
    response = client_for(world.team_lead).get(url)
    assert response.status_code == 200
    assert "Gem baseline" in response.content.decode()
    assert client_for(world.data_entry).get(url).status_code == 403
    assert client_for(world.other_team_member).get(url).status_code == 404


def test_a_malformed_month_in_the_url_is_404(world, client_for):
    client = client_for(world.team_lead)
    assert client.post(series_url("phase-break-remove", world, period="2025-1")).status_code == 404
    assert client.post(series_url("excluded-point-remove", world, period="januar")).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("team_lead", 302),
        ("data_entry", 302),
        ("staff", 302),
        ("viewer", 403),
        ("observer", 403),
        ("other_team_member", 404),
        ("outsider", 404),
    ],
)
def test_data_entry_and_team_lead_add_and_delete_annotations(world, client_for, role, status):
    client = client_for(getattr(world, role))
    url = reverse("measures:annotation-create", kwargs={"team_uuid": world.team_a.uuid})
    data = {
        "indicator": str(world.indicator.uuid),
        "date": "03.09.2024",
        "kind": "note",
        "text": "Ny instruks",
        "return_to": str(world.indicator.uuid),
    }
    response = client.post(url, data)
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == indicator_url(world)
        note = Annotation.objects.get()
        assert (note.date, note.text) == (date(2024, 9, 3), "Ny instruks")
    note = Annotation.objects.first() or Annotation.objects.create(
        team=world.team_a, date=date(2024, 9, 3), text="x", kind="note"
    )
    delete_url = reverse(
        "measures:annotation-delete", kwargs={"team_uuid": world.team_a.uuid, "annotation_uuid": note.uuid}
    )
    assert client.post(delete_url).status_code == status
    assert Annotation.objects.exists() is (status != 302)


def test_an_annotation_of_another_team_cannot_be_deleted_through_this_team(world, client_for):
    note = Annotation.objects.create(team=world.team_b, date=date(2024, 9, 3), text="B", kind="note")
    url = reverse(
        "measures:annotation-delete", kwargs={"team_uuid": world.team_a.uuid, "annotation_uuid": note.uuid}
    )
    assert client_for(world.team_lead).post(url).status_code == 404
    assert Annotation.objects.filter(pk=note.pk).exists()


def test_the_annotation_page_preselects_the_indicator(world, client_for):
    url = reverse("measures:annotation-create", kwargs={"team_uuid": world.team_a.uuid})
    response = client_for(world.data_entry).get(url, {"indikator": str(world.indicator.uuid)})
    assert response.status_code == 200
    assert f'value="{world.indicator.uuid}" selected' in response.content.decode()


# --- The indicator page ---------------------------------------------------------------------------------


def test_the_indicator_page_shows_the_settings_read_only_to_viewers(world, client_for):
    services.chart_settings_update(
        **series_kwargs(world), baseline_end=month(2024, 12), expected_version=None, user=world.team_lead
    )
    services.excluded_point_add(
        **series_kwargs(world), period=month(2024, 7), reason="Ombygning", user=world.staff
    )
    html = client_for(world.viewer).get(indicator_url(world)).content.decode()
    assert "Diagramindstillinger" in html
    assert "dec. 2024" in html
    assert "Ombygning" in html
    assert "Gem baseline" not in html
    assert "Tilføj kommentar på diagram" not in html


def test_the_indicator_page_shows_the_forms_by_role(world, client_for):
    lead = client_for(world.team_lead).get(indicator_url(world)).content.decode()
    assert "Gem baseline" in lead and "Opdel processen" in lead and "Udelad punkt" in lead
    assert "Tilføj kommentar på diagram" in lead
    assert '<option value="2025-01">jan. 2025</option>' in lead
    entry = client_for(world.data_entry).get(indicator_url(world)).content.decode()
    assert "Gem baseline" not in entry
    assert "Tilføj kommentar på diagram" in entry
