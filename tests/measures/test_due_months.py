"""Due months vs entry months: what a team MAY enter and what is DUE (overdue, completeness, reminders).

The world's network starts 2024-01, accepts 12 baseline months before (from 2023-01) and runs to
2030-12; its two indicators are due from 2024-01.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from measures.models import Indicator, Measurement, PublicationStatus
from measures.selectors.entry import (
    due_window,
    entry_periods,
    entry_window,
    network_overdue_teams,
    team_completeness,
)
from measures.services.definitions import indicator_create, indicator_publish, indicator_update
from measures.services.entry import MeasurementRow, measurement_save, measurements_bulk_plan
from measures.services.entry_reminders import reminders_send_due, teams_not_reported
from teams.models import Network, Team

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 30)


def this_month() -> date:
    return timezone.localdate().replace(day=1)


def new_indicator(world, code="new", **fields) -> Indicator:
    indicator = indicator_create(
        network=world.network,
        user=world.expert,
        code=code,
        name="Ny indikator",
        numerator_definition="Antal",
        **fields,
    )
    indicator_publish(indicator=indicator, user=world.national_lead)
    indicator.refresh_from_db()
    return indicator


def save(world, period: date, *, team=None, indicator=None, numerator="5", denominator="10"):
    return measurement_save(
        team=team or world.team_a,
        indicator=indicator or world.indicator,
        period=period,
        numerator=Decimal(numerator),
        denominator=None if denominator is None else Decimal(denominator),
        expected_version=None,
        user=world.data_entry,
    )


def fill_everything(world, team, until: date) -> None:
    """Every due month of both world indicators, so the team is up to date before a test changes it."""
    rows = []
    period = date(2024, 1, 1)
    while period <= until:
        for indicator in (world.indicator, world.count_indicator):
            rows.append(
                Measurement(
                    team=team,
                    indicator=indicator,
                    period=period,
                    numerator=Decimal(5),
                    denominator=Decimal(10),
                    indicator_version=1,
                )
            )
        period = date(period.year + period.month // 12, period.month % 12 + 1, 1)
    Measurement.objects.bulk_create(rows, ignore_conflicts=True)


# --- the windows --------------------------------------------------------------------------------


def test_entry_opens_baseline_months_before_the_start_but_due_months_start_at_the_start(world):
    periods = entry_periods(world.network, TODAY)
    assert periods[0] == date(2023, 1, 1) and periods[-1] == date(2026, 11, 1)
    window = due_window(world.network, world.indicator)
    assert (window.first, window.last) == (date(2024, 1, 1), date(2030, 12, 1))


def test_a_baseline_month_before_the_kick_off_is_stored_and_never_missing(world):
    save(world, date(2023, 6, 1))
    assert Measurement.objects.filter(team=world.team_a, period=date(2023, 6, 1)).exists()
    months = {m.period: m for m in team_completeness(team=world.team_b, today=TODAY).months}
    assert months[date(2023, 6, 1)].missing == [] and not months[date(2023, 6, 1)].is_late
    assert months[date(2024, 1, 1)].is_late  # the kick-off month is due


def test_follow_up_months_after_the_end_are_open_only_where_the_network_allows_them(world):
    network = world.network
    network.end_date = date(2025, 6, 30)
    network.save()
    world.team_a.network.refresh_from_db()
    with pytest.raises(ValidationError) as excinfo:
        save(world, date(2025, 9, 1), indicator=world.count_indicator)
    assert "efter LKT'ets slut" in excinfo.value.message_dict["period"][0]
    network.follow_up_months = 6
    network.save()
    world.team_a.network.refresh_from_db()
    save(world, date(2025, 9, 1), indicator=world.count_indicator)
    # Follow-up months are voluntary: never due, never late.
    fill_everything(world, world.team_b, date(2025, 6, 1))
    assert team_completeness(team=world.team_b, today=TODAY).late_months == []
    overdue = network_overdue_teams(network=network, teams=Team.objects.all(), today=TODAY)
    assert world.team_b not in [row.team for row in overdue]


def test_an_indicators_last_due_month_ends_its_entry_and_its_obligation(world):
    world.indicator.last_due_month = date(2025, 12, 1)
    world.indicator.save()
    assert entry_window(world.network, world.indicator).last == date(2025, 12, 1)
    with pytest.raises(ValidationError) as excinfo:
        save(world, date(2026, 2, 1))
    assert "modtager ikke data efter dec. 2025" in excinfo.value.message_dict["period"][0]
    months = {m.period: m for m in team_completeness(team=world.team_b, today=TODAY).months}
    assert world.indicator not in months[date(2026, 2, 1)].missing
    assert world.count_indicator in months[date(2026, 2, 1)].missing


# --- publishing never creates a backlog ---------------------------------------------------------


def test_publishing_a_new_indicator_makes_it_due_from_this_month_only(world):
    fill_everything(world, world.team_a, this_month())
    indicator = new_indicator(world)
    assert indicator.first_due_month == this_month()
    status = team_completeness(team=world.team_a)
    assert status.late_months == []
    assert all(indicator not in m.missing for m in status.months if m.period < this_month())
    overdue = network_overdue_teams(network=world.network, teams=Team.objects.all())
    assert world.team_a not in [row.team for row in overdue]


def test_a_first_due_month_before_publication_is_refused_with_a_clear_message(world):
    indicator = indicator_create(
        network=world.network,
        user=world.expert,
        code="late",
        name="For sent",
        numerator_definition="Antal",
        first_due_month=date(2024, 1, 1),
    )
    with pytest.raises(ValidationError) as excinfo:
        indicator_publish(indicator=indicator, user=world.national_lead)
    message = excinfo.value.message_dict["first_due_month"][0]
    assert "kan ikke ligge før" in message and "baseline" in message
    indicator.refresh_from_db()
    assert indicator.status == PublicationStatus.DRAFT


def test_a_new_version_keeps_the_first_due_month_and_creates_no_backlog(world):
    fill_everything(world, world.team_a, this_month())
    before = world.indicator.first_due_month
    indicator_update(indicator=world.indicator, user=world.expert, target_value=Decimal("99.7"))
    indicator_publish(indicator=world.indicator, user=world.national_lead, change_note="Nyt mål")
    world.indicator.refresh_from_db()
    assert world.indicator.version == 2 and world.indicator.first_due_month == before
    assert team_completeness(team=world.team_a).late_months == []


def test_a_new_version_may_not_move_the_first_due_month_back(world):
    indicator = new_indicator(world)
    indicator_update(indicator=indicator, user=world.expert, first_due_month=date(2024, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        indicator_publish(indicator=indicator, user=world.national_lead, change_note="Tidligere")
    assert "first_due_month" in excinfo.value.message_dict


def test_reminders_skip_an_indicator_published_this_month(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    fill_everything(world, world.team_a, this_month())
    fill_everything(world, world.team_b, this_month())
    new_indicator(world)
    # Reminders for last month: nobody has the new indicator, and nobody is reminded because of it.
    assert reminders_send_due() == 0 and mail.outbox == []


# --- network status -----------------------------------------------------------------------------


def test_a_closed_network_is_never_overdue_and_sends_no_reminders(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    network = world.network
    assert network_overdue_teams(network=network, teams=Team.objects.all(), today=TODAY)
    network.status = Network.Status.CLOSED
    network.save()
    world.team_b.network.refresh_from_db()
    assert network_overdue_teams(network=network, teams=Team.objects.all(), today=TODAY) == []
    assert team_completeness(team=world.team_b, today=TODAY).late_months == []
    assert not teams_not_reported(network=network, period=date(2026, 10, 1)).exists()
    assert reminders_send_due(today=TODAY) == 0
    # Corrections inside the run are still accepted.
    save(world, date(2024, 5, 1), team=world.team_b)


def test_a_network_in_preparation_has_no_overdue_months_but_accepts_baseline(world):
    network = world.network
    network.status = Network.Status.PREPARATION
    network.start_date = date(2027, 3, 5)
    network.end_date = date(2029, 3, 4)
    network.save()
    world.team_a.network.refresh_from_db()
    world.team_b.network.refresh_from_db()
    assert network_overdue_teams(network=network, teams=Team.objects.all(), today=TODAY) == []
    status = team_completeness(team=world.team_b, today=TODAY)
    assert status.late_months == [] and status.open_months == []
    # Baseline from 2026-03 (twelve months before the kick-off month) up to this month.
    assert [m.period for m in status.months][-1] == date(2026, 3, 1)
    save(world, date(2026, 4, 1))


# --- every write path refuses a month outside the window, stores nothing -------------------------


def test_the_grid_refuses_a_month_before_the_window_with_a_translated_error(world, client_for):
    response = client_for(world.data_entry).post(
        reverse("measures:entry-save", kwargs={"team_uuid": world.team_a.uuid}),
        {
            "indicator": str(world.indicator.uuid),
            "period": "2022-11",
            "numerator": "5",
            "denominator": "10",
            "comment": "",
            "expected_version": "",
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "ligger før de måneder" in response.json()["errors"]["period"][0]
    assert not Measurement.objects.filter(period=date(2022, 11, 1)).exists()


def test_an_upload_with_a_month_outside_the_window_is_refused_whole(world, client_for):
    content = "Indikator;Måned;Tæller;Nævner\nreassessed;2024-02;5;10\nreassessed;2022-11;5;10\n".encode()
    response = client_for(world.data_entry).post(
        reverse("measures:entry-upload", kwargs={"team_uuid": world.team_a.uuid}),
        {"file": SimpleUploadedFile("data.csv", content), "indicator": ""},
    )
    assert response.status_code == 400
    assert "ligger før de måneder" in response.content.decode()
    assert not Measurement.objects.filter(
        team=world.team_a, indicator=world.count_indicator, period__in=[date(2024, 2, 1), date(2022, 11, 1)]
    ).exists()


def test_the_bulk_plan_lists_the_row_outside_the_window(world):
    plan = measurements_bulk_plan(
        team=world.team_a,
        rows=[
            MeasurementRow("ddd", date(2024, 2, 1), Decimal(5), Decimal(10), row_number=1),
            MeasurementRow("ddd", date(2031, 2, 1), Decimal(5), Decimal(10), row_number=2),
        ],
        today=date(2031, 6, 1),
    )
    assert [(e.row_number, e.field) for e in plan.errors] == [(2, "Måned")]
    assert "efter LKT'ets slut" in plan.errors[0].message


# --- pages --------------------------------------------------------------------------------------


def test_the_grid_shows_no_mangler_for_baseline_months(world, client_for):
    url = reverse("measures:entry-grid", kwargs={"team_uuid": world.team_b.uuid})
    client = client_for(world.other_team_member)
    html = client.get(url).content.decode()
    assert 'data-year="2023"' in html  # folded: older years are fetched on demand
    html += client.get(url, {"aar": "2023"}).content.decode()
    start = html.index('id="m-2023-06"')
    row = html[start : html.index("</tr>", start)]
    assert "mangler" not in row and '<td class="m"' not in row
    start = html.index('id="m-2024-06"')
    row = html[start : html.index("</tr>", start)]
    assert '<td class="m"' in row and "<output>mangler</output>" in row


def test_the_completeness_page_of_a_closed_network_lists_nobody(world, client_for):
    world.network.status = Network.Status.CLOSED
    world.network.save()
    html = (
        client_for(world.national_lead)
        .get(reverse("measures:completeness", kwargs={"slug": world.network.slug}))
        .content.decode()
    )
    assert "afsluttet" in html
    assert world.team_b.name not in html


def test_the_home_page_shows_no_backlog_for_a_closed_network(world, client_for):
    world.network.status = Network.Status.CLOSED
    world.network.save()
    html = client_for(world.data_entry).get(reverse("home")).content.decode()
    assert "fristen er overskredet" not in html
    assert "afsluttet" in html
