"""Funnel plots in the product: selector, pages, report and API, with the anonymity rules."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from measures.models import Measurement
from measures.selectors import funnels
from teams.access import network_access
from teams.models import Team

TODAY = date(2025, 1, 20)  # December 2024 is complete (deadline 10 January)


def _data(world, teams: list[Team], rates: list[float]) -> None:
    months = [date(2024, m, 1) for m in range(1, 13)] + funnels.complete_months(world.network, 12)
    for team, rate in zip(teams, rates, strict=True):
        for period in months:
            Measurement.objects.update_or_create(
                team=team,
                indicator=world.count_indicator,
                period=period,
                defaults={
                    "numerator": Decimal(round(rate * 20)),
                    "denominator": Decimal(20),
                    "indicator_version": 1,
                },
            )


@pytest.fixture
def many_teams(world):
    extra = [
        Team.objects.create(
            network=world.network, code=f"t{i}", name=f"Team nummer {i}", region=world.hovedstaden
        )
        for i in range(4)
    ]
    teams = [world.team_a, world.team_b, *extra]
    _data(world, teams, [0.50, 0.55, 0.50, 0.55, 0.50, 0.80])  # the last team far above the others
    return teams


def test_complete_months_respect_the_deadline(world):
    assert funnels.complete_months(world.network, 3, TODAY) == [
        date(2024, 10, 1),
        date(2024, 11, 1),
        date(2024, 12, 1),
    ]
    assert funnels.complete_months(world.network, 3, date(2025, 1, 5))[-1] == date(2024, 11, 1)


def test_only_p_and_u_indicators_get_a_funnel(world):
    assert funnels.funnel_model(world.count_indicator) == "proportion"
    assert funnels.funnel_model(world.indicator) is None  # a run chart


def test_the_lead_sees_names_and_the_outlier_in_words(world, many_teams):
    view = funnels.network_funnel(
        network=world.network,
        indicator=world.count_indicator,
        user=world.national_lead,
        access=network_access(world.national_lead, world.network),
        months=12,
        today=TODAY,
    )
    assert view is not None and len(view.chart.units) == 6 and view.chart.note == "few_units"
    assert view.chart.target == pytest.approx((10 + 11 + 10 + 11 + 10 + 16) / 120 * 100)
    flagged = {u.unit for u in view.chart.outliers}
    assert flagged == {"Team nummer 3"}
    assert any(
        line.startswith("Team nummer 3:") and "99,8 %" in line and "(bedre)" in line
        for line in view.outliers_text
    )
    assert view.own_labels == set()
    names = {t["name"] for t in view.figure["data"]}
    assert {"99,8 %-grænser", "95 %-grænser", "Teams"} <= names


def test_a_team_member_sees_peers_anonymised_and_its_own_point_marked(world, many_teams):
    user = world.team_lead  # team A, network with anonymised peers
    view = funnels.network_funnel(
        network=world.network,
        indicator=world.count_indicator,
        user=user,
        access=network_access(user, world.network),
        months=12,
        today=TODAY,
    )
    labels = {u.unit for u in view.chart.units}
    assert world.team_a.name in labels and view.own_labels == {world.team_a.name}
    assert not any(t.name in labels for t in many_teams[1:])
    assert all(label.startswith("Team ") for label in labels - {world.team_a.name})
    own = next(t for t in view.figure["data"] if t["name"] == "Jeres team")
    assert own["marker"]["symbol"] == "star"
    text = str(view.figure) + " ".join(view.outliers_text)
    assert "Team nummer" not in text and "Akutafdelingen" not in text


def test_hidden_peers_count_in_the_limits_but_are_not_drawn(world, many_teams):
    world.network.peer_visibility = world.network.PeerVisibility.HIDDEN
    world.network.save()
    user = world.team_lead
    view = funnels.network_funnel(
        network=world.network,
        indicator=world.count_indicator,
        user=user,
        access=network_access(user, world.network),
        months=12,
        today=TODAY,
    )
    assert [u.unit for u in view.chart.units] == [world.team_a.name] and view.n_hidden == 5


def test_pages_show_the_funnel(world, many_teams, client):
    client.force_login(world.national_lead)
    page = client.get(
        reverse("measures:network-dashboard", args=[world.network.slug]),
        {"indikator": "reassessed", "tragt": "6"},
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "Tragtdiagram: Andel revurderet inden for 48 timer" in body and "Teams uden for grænserne" in body
    assert page.context["funnel"] is not None and len(page.context["funnel"].periods) == 6
    report = client.get(reverse("measures:network-report", args=[world.network.slug]))
    assert report.status_code == 200 and "Tragtdiagram" in report.content.decode()
    client.force_login(world.team_lead)
    page = client.get(
        reverse("measures:indicator-dashboard", args=[world.team_a.uuid, world.count_indicator.uuid])
    )
    assert page.status_code == 200 and "Jeres team sammenlignet" in page.content.decode()


def test_the_api_gives_the_funnel_as_data(world, many_teams, client):
    url = reverse("api-v1:indicator-funnel", args=[world.count_indicator.uuid])
    client.force_login(world.team_lead)
    response = client.get(url, {"months": "12"})
    assert response.status_code == 200
    body = response.json()
    assert body["indicator"] == "reassessed" and body["funnel"]["model"] == "proportion"
    units = {u["unit"] for u in body["funnel"]["units"]}
    assert world.team_a.name in units and "Team nummer 3" not in units  # anonymised for a team member
    assert body["own"] == [world.team_a.name]
    assert client.get(url, {"months": "5"}).status_code == 400
    assert client.get(reverse("api-v1:indicator-funnel", args=[world.indicator.uuid])).status_code == 404
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404


# --- The seminar's window in the period picker ----------------------------------------------------


def _seminars(world):
    from tests.seminars.helpers import COPENHAGEN, make_seminar

    def at(day: date):
        return datetime(day.year, day.month, day.day, 9, 0, tzinfo=COPENHAGEN)

    return [
        make_seminar(world.network, starts_at=at(date(2024, 6, 15)), title="Læringsseminar 1"),
        make_seminar(world.network, starts_at=at(date(2024, 11, 20)), title="Læringsseminar 2"),
        make_seminar(world.network, starts_at=at(date(2025, 3, 10)), title="Læringsseminar 3"),
        make_seminar(world.network, starts_at=at(date(2025, 9, 10)), title="Læringsseminar 4"),
    ]


def _months(first: date, last: date) -> list[date]:
    months = []
    while first <= last:
        months.append(first)
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return months


def test_seminar_windows_follow_each_other_up_to_the_months_complete_today(world):
    first, second, third, _fourth = _seminars(world)
    windows = funnels.seminar_windows(world.network, TODAY)
    # A seminar looks back on the months complete by its first day (deadline: the 10th), starting
    # where the window of the seminar before it ended; one still to come has its window so far, and
    # one with no complete month yet (the fourth) is not offered.
    assert [w.key for w in windows] == [f"seminar-{s.uuid}" for s in (first, second, third)]
    assert windows[0].periods == _months(date(2024, 1, 1), date(2024, 5, 1))
    assert windows[1].periods == _months(date(2024, 6, 1), date(2024, 10, 1))
    assert windows[2].periods == _months(date(2024, 11, 1), date(2024, 12, 1))
    assert windows[1].label == "Før Læringsseminar 2 (jun. 2024 – okt. 2024)"
    choices = funnels.funnel_periods(world.network, TODAY)
    assert [c.key for c in choices][:3] == ["3", "6", "12"]
    assert choices[0].label == "Seneste 3 komplette måneder"
    chosen, _ = funnels.funnel_period(world.network, f"seminar-{second.uuid}", TODAY)
    assert chosen.periods == windows[1].periods
    # anything else is the default, the last 12 complete months
    assert funnels.funnel_period(world.network, "seminar-nonsense", TODAY)[0].key == "12"
    assert funnels.funnel_period(world.network, "7", TODAY)[0].key == "12"


def test_the_pages_offer_and_use_a_seminars_window(world, many_teams, client):
    _first, second, *_ = _seminars(world)
    key = f"seminar-{second.uuid}"
    window = {c.key: c for c in funnels.funnel_periods(world.network)}[key]
    client.force_login(world.national_lead)
    page = client.get(
        reverse("measures:network-dashboard", args=[world.network.slug]),
        {"indikator": "reassessed", "tragt": key},
    )
    body = page.content.decode()
    assert 'label="Seminarernes perioder"' in body
    assert f'<option value="{key}" selected>Før Læringsseminar 2 (jun. 2024 – okt. 2024)</option>' in body
    assert page.context["funnel"].periods == window.periods
    # the team's indicator page offers the same choice
    client.force_login(world.team_lead)
    url = reverse("measures:indicator-dashboard", args=[world.team_a.uuid, world.count_indicator.uuid])
    page = client.get(url, {"tragt": key})
    assert page.context["funnel"].periods == window.periods
    assert f'<option value="{key}" selected>' in page.content.decode()
