"""The chart pipeline in-process (eager Celery): inputs, stored format, staleness, claims, sweeps."""

import io
import json
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from measures import charts, spc
from measures.models import (
    Annotation,
    ChartResult,
    ChartSettings,
    ChartStaleMark,
    ExcludedPoint,
    LocalTarget,
    Measurement,
    PDSACycle,
    PhaseBreak,
)
from measures.selectors.charts import network_indicator_summary
from tests.base import month


def team_row(world, team=None, indicator=None) -> ChartResult:
    return ChartResult.objects.get(
        scope="team", team=team or world.team_a, indicator=indicator or world.indicator
    )


def save(world, period, numerator, denominator=Decimal("1000"), team=None, **extra):
    """A data write as the measurement service does it: the value and the stale mark in one transaction."""
    team = team or world.team_a
    with transaction.atomic():
        Measurement.objects.update_or_create(
            team=team,
            indicator=world.indicator,
            period=period,
            defaults={"numerator": numerator, "denominator": denominator, "indicator_version": 1, **extra},
        )
        charts.chart_series_changed(team=team, indicator=world.indicator)


@pytest.mark.django_db
def test_it_stores_the_team_chart_in_the_readme_format(world):
    result = charts.chart_result_recompute(team=world.team_a, indicator=world.indicator)
    data = result.data
    assert len(data["points"]) == 24
    first = data["points"][0]
    assert first["period"] == "2024-01-01"
    assert first["numerator"] == 610.0 and first["denominator"] == 1000.0
    assert first["y"] == pytest.approx(61.0)
    assert first["n_teams"] is None
    assert set(first) >= {
        "cl",
        "lcl",
        "ucl",
        "lcl_95",
        "ucl_95",
        "part",
        "baseline",
        "include",
        "runs_signal",
        "sigma_signal",
    }
    # The level drops from ~60 to ~48 halfway: a long run below the median, an improvement (down is better).
    assert data["classification"]["variation"] == "improvement"
    assert data["parts"][0]["longest_run"] > data["parts"][0]["longest_run_max"]
    assert (
        data["parts"][0]["first_period"] == "2024-01-01" and data["parts"][0]["last_period"] == "2025-12-01"
    )
    assert result.variation == "improvement"
    assert result.runs_signal is True
    assert result.n_points == 24
    assert result.last_period == date(2025, 12, 1)
    assert result.engine_version == spc.ENGINE_VERSION
    assert len(result.input_hash) == 64
    assert result.computed_at is not None
    assert result.is_stale is False
    assert result.compute_count == 1


@pytest.mark.django_db
def test_it_matches_the_engine_called_directly(world):
    result = charts.chart_result_recompute(team=world.team_a, indicator=world.indicator)
    levels = [p["numerator"] for p in result.data["points"]]
    direct = spc.compute_chart("run", world.months, levels, [1000.0] * 24, multiply=100)
    assert [p["cl"] for p in result.data["points"]] == [p.cl for p in direct.points]
    assert result.data["parts"][0]["n_crossings"] == direct.parts[0].n_crossings


@pytest.mark.django_db
def test_it_applies_baseline_exclusions_phases_targets_and_annotations(world):
    ChartSettings.objects.create(team=world.team_a, indicator=world.indicator, baseline_end=month(2024, 6))
    ExcludedPoint.objects.create(
        team=world.team_a, indicator=world.indicator, period=month(2024, 3), reason="Ombygning"
    )
    LocalTarget.objects.create(team=world.team_a, indicator=world.indicator, value=Decimal("50"))
    Annotation.objects.create(team=world.team_a, date=date(2024, 4, 2), text="Ny instruks")
    Annotation.objects.create(
        team=world.team_a,
        indicator=world.count_indicator,
        date=date(2024, 5, 1),
        text="Gælder et andet diagram",
    )
    cycle = PDSACycle.objects.create(
        team=world.team_a, title="Stopdato på ordinationen", start_date=date(2024, 9, 1)
    )
    cycle.indicators.add(world.indicator)

    data = charts.chart_result_recompute(team=world.team_a, indicator=world.indicator).data
    assert [p["baseline"] for p in data["points"]] == [True] * 6 + [False] * 18
    assert data["points"][2]["include"] is False
    assert data["baseline_end"] == "2024-06-01"
    assert data["excluded"] == [{"period": "2024-03-01", "reason": "Ombygning"}]
    assert data["targets"] == {"national": None, "local": 50.0}
    assert [(a["date"], a["kind"], a["text"]) for a in data["annotations"]] == [
        ("2024-04-02", "intervention", "Ny instruks"),
        ("2024-09-01", "pdsa", "PDSA: Stopdato på ordinationen"),
    ]
    assert data["annotations"][1]["pdsa"] == str(cycle.uuid)

    # A phase break starts part 2 at its month; qicharts2 then ignores the freeze.
    PhaseBreak.objects.create(
        team=world.team_a, indicator=world.indicator, period=month(2025, 1), label="Ny praksis"
    )
    data = charts.chart_result_recompute(team=world.team_a, indicator=world.indicator).data
    assert [p["part"] for p in data["points"]] == [1] * 12 + [2] * 12
    assert [(p["part"], p["label"], p["first_period"]) for p in data["parts"]] == [
        (1, "", "2024-01-01"),
        (2, "Ny praksis", "2025-01-01"),
    ]
    assert all(p["baseline"] for p in data["points"])


@pytest.mark.django_db
def test_every_object_of_the_stored_format_is_built_with_its_keys_in_jsonb_order(world):
    # PostgreSQL parses a presorted object's keys in one pass (compute.jsonb_key_order): checked on
    # the dicts the pipeline hands to the writer, since jsonb gives any order back sorted.
    from measures.charts.compute import jsonb_key_order

    ExcludedPoint.objects.create(team=world.team_a, indicator=world.indicator, period=month(2024, 3))
    LocalTarget.objects.create(team=world.team_a, indicator=world.indicator, value=Decimal("50"))
    Annotation.objects.create(team=world.team_a, date=date(2024, 4, 2), text="Ny instruks")
    cycle = PDSACycle.objects.create(team=world.team_a, title="Stopdato", start_date=date(2024, 9, 1))
    cycle.indicators.add(world.indicator)
    PhaseBreak.objects.create(team=world.team_a, indicator=world.indicator, period=month(2025, 1))
    charts.chart_results_ensure(network=world.network)
    rows = list(
        ChartResult.objects.filter(indicator=world.indicator, scope__in=["team", "national"])
        .exclude(team__in=[world.team_b])
        .select_related("indicator__network")
    )
    loader = charts.inputs._Loader(rows)
    documents = [charts.chart_compute(loader.inputs(row)) for row in rows]
    documents += charts.compute.chart_compute_many([loader.inputs(row) for row in rows])

    def objects(value, path):
        if isinstance(value, dict):
            yield path, list(value)
            for key, item in value.items():
                yield from objects(item, f"{path}.{key}")
        elif isinstance(value, list):
            for item in value:
                yield from objects(item, f"{path}[]")

    checked = set()
    for data in documents:
        assert data["points"] and data["parts"]
        # The top level is one object per row; "pooled" (pooled rows only) is added last.
        top = [key for key in data if key != "pooled"]
        assert top == sorted(top, key=jsonb_key_order)
        for key, value in data.items():
            for path, keys in objects(value, key):
                if path == "points[]" and "n_active" in keys:
                    # A pooled point's own two keys come last (pooled rows are a few).
                    assert keys[-2:] == ["n_active", "provisional"]
                    keys = keys[:-2]
                assert keys == sorted(keys, key=jsonb_key_order), path
                checked.add(path)
    assert {"points[]", "parts[]", "classification", "targets", "excluded[]", "annotations[]"} <= checked
    assert any("n_active" in point for data in documents for point in data["points"])


@pytest.mark.django_db
def test_it_keeps_missing_and_nothing_to_report_months_as_gaps(world):
    Measurement.objects.filter(team=world.team_a, period=month(2024, 5)).delete()
    Measurement.objects.filter(team=world.team_a, period=month(2024, 7)).update(
        numerator=None, denominator=None, nothing_to_report=True
    )
    data = charts.chart_result_recompute(team=world.team_a, indicator=world.indicator).data
    assert len(data["points"]) == 24
    assert data["points"][4]["y"] is None and data["points"][6]["y"] is None
    assert data["points"][5]["y"] == pytest.approx(62.0)


@pytest.mark.django_db
def test_it_stores_too_few_points_for_a_team_without_data(world):
    result = charts.chart_result_recompute(team=world.team_b, indicator=world.indicator)
    assert result.data["points"] == []
    assert result.variation == "too_few_points"
    assert result.n_points == 0 and result.last_period is None


@pytest.mark.django_db
def test_it_pools_the_national_and_regional_charts_over_reporting_teams(world):
    Measurement.objects.create(
        team=world.team_b,
        indicator=world.indicator,
        period=month(2024, 2),
        numerator=Decimal("300"),
        denominator=Decimal("500"),
        indicator_version=1,
    )
    national = charts.chart_result_recompute(indicator=world.indicator)
    feb = national.data["points"][1]
    assert (feb["numerator"], feb["denominator"], feb["n_teams"]) == (890.0, 1500.0, 2)
    assert feb["y"] == pytest.approx(890 / 1500 * 100)
    assert national.data["points"][0]["n_teams"] == 1
    region = charts.chart_result_recompute(region=world.midtjylland, indicator=world.indicator)
    assert [(p["period"], p["numerator"]) for p in region.data["points"]] == [("2024-02-01", 300.0)]
    # The other network's teams never count.
    assert national.network_id == world.network.id


@pytest.mark.django_db
def test_it_pools_values_without_denominator_by_the_mean_and_counts_by_the_sum(world):
    indicator = world.indicator
    indicator.denominator_definition = ""
    indicator.chart_type = "i"
    indicator.save()
    Measurement.objects.filter(team=world.team_a).update(denominator=None)
    Measurement.objects.create(
        team=world.team_b,
        indicator=indicator,
        period=month(2024, 1),
        numerator=Decimal("30"),
        indicator_version=1,
    )
    rows = Measurement.objects.filter(indicator=indicator, period=month(2024, 1)).values_list(
        "team_id", "period", "numerator", "denominator"
    )
    assert charts.pool_measurements(indicator, rows)[month(2024, 1)] == (320.0, None, 2)
    indicator.chart_type = "c"
    assert charts.pool_measurements(indicator, rows)[month(2024, 1)] == (640.0, None, 2)


@pytest.mark.django_db
def test_it_marks_the_series_stale_in_the_write_transaction_and_queues_the_aggregates(world):
    charts.chart_results_recompute_stale(network=world.network)
    assert not ChartResult.objects.filter(network=world.network, is_stale=True).exists()
    with transaction.atomic():
        Measurement.objects.filter(team=world.team_a, period=month(2024, 1)).update(numerator=Decimal("700"))
        charts.chart_series_changed(team=world.team_a, indicator=world.indicator)
        stale = set(ChartResult.objects.filter(is_stale=True).values_list("scope", "team_id", "region_id"))
        marks = list(ChartStaleMark.objects.values_list("indicator_id", "region_id"))
        transaction.set_rollback(True)
    # The shared region and national rows are not touched by the save: a queued mark stands for them.
    assert stale == {("team", world.team_a.id, None)}
    assert marks == [(world.indicator.id, world.hovedstaden.id)]
    # Rolled back together with the data.
    assert not ChartResult.objects.filter(is_stale=True).exists()
    assert not ChartStaleMark.objects.exists()


@pytest.mark.django_db
def test_queued_marks_make_the_aggregates_stale_after_commit(world, django_capture_on_commit_callbacks):
    charts.chart_results_recompute_stale(network=world.network)
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        Measurement.objects.filter(team=world.team_a, period=month(2024, 1)).update(numerator=Decimal("700"))
        charts.chart_series_changed(team=world.team_a, indicator=world.indicator)
    marked = charts.chart_stale_marks_apply()
    stale = set(ChartResult.objects.filter(id__in=marked).values_list("scope", "region_id"))
    assert stale == {("region", world.hovedstaden.id), ("national", None)}
    assert not ChartStaleMark.objects.exists()
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_the_sweep_applies_marks_left_behind(world):
    charts.chart_results_recompute_stale(network=world.network)
    ChartStaleMark.objects.create(indicator_id=world.indicator.id, region_id=world.hovedstaden.id)
    charts.chart_results_sweep(verify=0)
    assert not ChartStaleMark.objects.exists()
    national = ChartResult.objects.get(scope="national", indicator=world.indicator)
    assert national.is_stale is False and national.compute_count >= 1


@pytest.mark.django_db
def test_it_recomputes_after_commit_once_per_transaction(world, django_capture_on_commit_callbacks):
    charts.chart_result_recompute(team=world.team_a, indicator=world.indicator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for i, period in enumerate(world.months):
            Measurement.objects.filter(team=world.team_a, period=period).update(numerator=Decimal(500 + i))
            charts.chart_series_changed(team=world.team_a, indicator=world.indicator)
    assert len(callbacks) == 1
    row = team_row(world)
    assert row.is_stale is False
    assert row.compute_count == 2
    assert row.data["points"][3]["numerator"] == 503.0


@pytest.mark.django_db
def test_it_does_not_compute_again_when_the_inputs_are_unchanged(world):
    charts.chart_result_recompute(team=world.team_a, indicator=world.indicator)
    charts.chart_series_mark_stale(team=world.team_a, indicator=world.indicator)
    row = charts.chart_result_recompute(team=world.team_a, indicator=world.indicator)
    assert row.is_stale is False
    assert row.compute_count == 1


@pytest.mark.django_db
def test_it_leaves_the_row_stale_when_data_change_while_computing(world, monkeypatch):
    ids = charts.chart_series_mark_stale(team=world.team_a, indicator=world.indicator)
    compute = charts.compute.chart_compute

    def compute_during_a_concurrent_save(inputs):
        # Another request saves and commits while the engine runs.
        save(world, month(2024, 1), Decimal("999"))
        return compute(inputs)

    monkeypatch.setattr(charts.compute, "chart_compute", compute_during_a_concurrent_save)
    assert charts._recompute_rows([ids[0]]) == 1
    row = ChartResult.objects.get(id=ids[0])
    assert row.is_stale is True
    assert row.computed_at is None
    assert row.claimed_until is None  # released, so the next claim (task or sweep) can take it


@pytest.mark.django_db
def test_claimed_batches_are_disjoint(world):
    charts.chart_results_ensure(network=world.network)
    total = ChartResult.objects.filter(is_stale=True).count()
    first = charts.chart_results_claim_batch(limit=3)
    second = charts.chart_results_claim_batch(limit=100)
    assert len(first) == 3
    assert not set(first) & set(second)
    assert len(first) + len(second) == total
    assert charts.chart_results_claim_batch(limit=100) == []


@pytest.mark.django_db(transaction=True)
def test_claims_on_separate_connections_skip_locked_rows_and_never_overlap():
    # Real connections (PostgreSQL: the claim is one UPDATE ... FOR UPDATE SKIP LOCKED statement).
    # A save holding a row keeps it out of every claim; two claims at once get disjoint rows, in
    # claim order (stale_since, id), each with the row's own columns and now claimed.
    import threading

    from django.db import connections

    from tests.base import build_world

    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent connections need PostgreSQL")
    world = build_world()
    charts.chart_results_ensure(network=world.network)
    stale = list(ChartResult.objects.filter(is_stale=True).order_by("stale_since", "id"))
    held = stale[1]
    columns = ("id", "team_id", "stale_since")
    got: list[list[tuple]] = []
    errors: list[BaseException] = []
    both_claiming = threading.Barrier(2)

    def claim() -> None:
        try:
            both_claiming.wait()
            got.append(
                charts.chart_results_claim_rows(limit=len(stale), network=world.network, columns=columns)
            )
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connections.close_all()

    with transaction.atomic():
        ChartResult.objects.select_for_update().get(id=held.id)  # a save holding the row
        threads = [threading.Thread(target=claim) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        waited_for_the_held_row = any(thread.is_alive() for thread in threads)
    for thread in threads:
        thread.join()
    assert not waited_for_the_held_row
    claimed = [values for batch in got for values in batch]
    assert not errors and len(got) == 2
    assert sorted(claimed) == sorted((r.id, r.team_id, r.stale_since) for r in stale if r.id != held.id)
    for batch in got:
        ids = [values[0] for values in batch]
        order = {r.id: n for n, r in enumerate(stale)}
        assert ids == sorted(ids, key=order.__getitem__)
    assert ChartResult.objects.get(id=held.id).claimed_until is None
    assert (
        not ChartResult.objects.filter(is_stale=True, claimed_until__isnull=True).exclude(id=held.id).exists()
    )
    # Claimed rows are not taken again (unless forced), the held one is free now.
    assert charts.chart_results_claim_batch(limit=100, network=world.network) == [held.id]


@pytest.mark.django_db
def test_the_sweep_recomputes_stale_rows_and_leaves_fresh_ones_alone(world):
    assert charts.chart_results_recompute_stale(network=world.network) > 0
    fresh_before = team_row(world).compute_count
    other = team_row(world, indicator=world.count_indicator)
    Measurement.objects.create(
        team=world.team_a,
        indicator=world.count_indicator,
        period=month(2024, 1),
        numerator=Decimal("7"),
        denominator=Decimal("10"),
        indicator_version=1,
    )
    charts.chart_series_mark_stale(team=world.team_a, indicator=world.count_indicator)
    # The team's chart, its region's and the national one.
    assert charts.chart_results_sweep(verify=0) == 3
    assert team_row(world).compute_count == fresh_before
    assert ChartResult.objects.get(id=other.id).compute_count == other.compute_count + 1
    assert charts.chart_results_recompute_stale(network=world.network) == 0


@pytest.mark.django_db
def test_the_sweep_catches_writes_that_bypassed_the_stale_flag(world):
    charts.chart_results_recompute_stale(network=world.network)
    Measurement.objects.bulk_create(
        [
            Measurement(
                team=world.team_a,
                indicator=world.indicator,
                period=month(2026, 1),
                numerator=Decimal("400"),
                denominator=Decimal("1000"),
                indicator_version=1,
            )
        ]
    )
    with CaptureQueriesContext(connection) as verifying:
        assert charts.chart_results_verify(limit=1000) == 3  # the team, its region, the nation
    # A fixed number of queries, not one per row checked (each row's network was once a query of
    # its own): the sample, the rows, their indicators, the pooled sums, the team series, six kinds
    # of settings and the UPDATE. PostgreSQL sends the eight queries of the inputs in one pipeline.
    checked = ChartResult.objects.count()
    assert checked == 10 and len(verifying) == 12
    charts.chart_results_sweep(verify=0)
    assert team_row(world).last_period == month(2026, 1)


@pytest.mark.django_db
def test_it_marks_rows_of_an_older_engine_stale(world):
    charts.chart_results_recompute_stale(network=world.network)
    ChartResult.objects.filter(id=team_row(world).id).update(engine_version="0.9")
    assert charts.chart_results_mark_outdated_engine() == 1


@pytest.mark.django_db
def test_the_summary_counts_teams_per_variation_in_one_query(world):
    charts.chart_results_recompute_stale(network=world.network)
    with CaptureQueriesContext(connection) as queries:
        summary = network_indicator_summary(world.network)
    assert len(queries) == 1
    assert summary[world.indicator.id] == {"improvement": 1, "too_few_points": 1}
    assert summary[world.count_indicator.id] == {"too_few_points": 2}
    assert world.other_team.id not in summary


@pytest.mark.django_db
def test_the_recompute_stale_command_fills_the_network(world):
    from django.core.management import call_command

    call_command("recompute_charts", network="lkt-test")
    # 2 indicators x (2 teams + 2 regions + national)
    assert ChartResult.objects.filter(network=world.network, is_stale=False).count() == 10
    assert not ChartResult.objects.filter(network=world.other_network).exists()


@pytest.mark.django_db
def test_a_killed_workers_claims_lapse_and_the_next_sweep_recomputes_them(world, settings):
    settings.CHART_CLAIM_SECONDS = 1
    charts.chart_results_recompute_stale(network=world.network)
    Measurement.objects.filter(team=world.team_a, period=month(2024, 1)).update(numerator=Decimal("700"))
    charts.chart_series_mark_stale(team=world.team_a, indicator=world.indicator)
    # A worker claims the batch and is killed before it writes anything.
    claimed = charts.chart_results_claim_batch(limit=10)
    assert len(claimed) == 3
    assert charts.chart_results_sweep(verify=0) == 0  # still claimed: not taken twice
    assert ChartResult.objects.filter(id__in=claimed, is_stale=True).count() == 3
    time.sleep(1.2)
    assert charts.chart_results_sweep(verify=0) == 3
    assert not ChartResult.objects.filter(id__in=claimed, is_stale=True).exists()


@pytest.mark.django_db
def test_a_killed_workers_rows_are_recomputed_within_one_sweep_interval(world, settings):
    # A 3 s sweep interval: the claim is capped at 1 s whatever CHART_CLAIM_SECONDS says.
    settings.CHART_SWEEP_MINUTES = 0.05
    settings.CHART_CLAIM_SECONDS = 60
    interval = charts.sweep_seconds()
    assert charts.claim_seconds() == 1
    charts.chart_results_recompute_stale(network=world.network)
    Measurement.objects.filter(team=world.team_a, period=month(2024, 1)).update(numerator=Decimal("700"))
    ids = charts.chart_series_mark_stale(team=world.team_a, indicator=world.indicator)
    # A worker claims the rows, renews its claims while it computes, and is killed.
    assert sorted(charts.chart_results_claim_batch(limit=10)) == sorted(ids)
    charts.chart_results_claim_renew(result_ids=ids)
    killed = time.monotonic()
    # The worst case: the beat's sweep comes right after the kill, while the claims still hold.
    assert charts.chart_results_sweep(verify=0) == 0
    follow_up = charts.chart_results_sweep_follow_up()
    assert follow_up is not None
    assert time.monotonic() - killed + follow_up <= interval
    time.sleep(follow_up)
    assert charts.chart_results_sweep(verify=0) == 3
    assert not ChartResult.objects.filter(id__in=ids, is_stale=True).exists()
    assert time.monotonic() - killed <= interval
    assert charts.chart_results_sweep_follow_up() is None  # nothing claimed: no further sweep


@pytest.mark.django_db
def test_recompute_charts_force_takes_over_claims(world):
    charts.chart_results_recompute_stale(network=world.network)
    Measurement.objects.filter(team=world.team_a, period=month(2024, 1)).update(numerator=Decimal("700"))
    ids = charts.chart_series_mark_stale(team=world.team_a, indicator=world.indicator)
    charts.chart_results_claim_batch(limit=10)  # held by a worker that is gone
    call_command("recompute_charts", stdout=io.StringIO())
    assert ChartResult.objects.filter(id__in=ids, is_stale=True).count() == 3
    out = io.StringIO()
    call_command("recompute_charts", "--force", stdout=out)
    assert "3 charts computed" in out.getvalue()
    assert not ChartResult.objects.filter(id__in=ids, is_stale=True).exists()


@pytest.mark.django_db
def _varied_measurements(world) -> list:
    """Seven teams x three indicators (rate, count, mean) with gaps, late starters, a team that left
    the network and months without a denominator; returns the teams."""
    import random

    from teams.models import Team

    rng = random.Random(4)
    regions = [world.team_a.region, world.team_b.region]
    teams = [world.team_a, world.team_b] + [
        Team.objects.create(network=world.network, code=f"x{i}", name=f"Team {i}", region=regions[i % 2])
        for i in range(5)
    ]
    Team.objects.filter(id=teams[-1].id).update(is_active=False)  # left the network
    mean_indicator = world.indicator.__class__.objects.create(
        network=world.network,
        code="mean",
        name="Liggetid",
        numerator_definition="Median liggetid",
        chart_type="i",
        direction="down",
        status="published",
        version=1,
        order=9,
    )
    for indicator in (world.indicator, world.count_indicator, mean_indicator):
        for t, team in enumerate(teams):
            months = list(range(t % 3, 24 - (4 if t == len(teams) - 1 else 0)))
            # Entered out of order (a late month, then an earlier one): the months are read in
            # period order whatever order their rows were written in.
            rng.shuffle(months)
            for m in months:
                if rng.random() < 0.15:
                    continue
                # Four decimals, as the column keeps them (SQLite would store every digit of a third).
                numerator = (Decimal(rng.randint(0, 90)) / 3).quantize(Decimal("0.0001"))
                denominator = Decimal(rng.randint(100, 300)) if indicator.has_denominator else None
                if indicator.has_denominator and rng.random() < 0.05:
                    denominator = None  # not reported: no denominator
                Measurement.objects.update_or_create(
                    team=team,
                    indicator=indicator,
                    period=month(2024 + m // 12, m % 12 + 1),
                    defaults={"numerator": numerator, "denominator": denominator, "indicator_version": 1},
                )
    charts.chart_results_ensure(network=world.network)
    return teams


def test_team_settings_sql_compiled_once_binds_each_id_set_where_the_queryset_does(db):
    """On PostgreSQL the settings queries are compiled once and take new ids as parameters: each
    parameter must be the id set the queryset puts there (Django orders a filter's parameters by
    name, so teams and indicators are not in the same order in every query). Elsewhere the
    querysets themselves run."""
    from measures.charts.inputs import _team_settings_queries, _team_settings_querysets

    teams, indicators = {101, 102, 103}, {7, 8}
    queries = _team_settings_queries(teams, indicators)
    querysets = _team_settings_querysets(teams, indicators)
    assert len(queries) == len(querysets) == 6
    for query, queryset in zip(queries, querysets, strict=True):
        if connection.vendor != "postgresql":
            assert query.queryset is not None
            continue
        sql, params = queryset.query.sql_with_params()
        assert query.queryset is None
        assert query.sql == sql
        assert query.params == [sorted(p) for p in params]


def test_team_series_read_per_series_equal_the_months_one_by_one(world):
    """A team's inputs, read as one row per series (arrays on PostgreSQL), equal its measurements
    taken one by one: only reported months (a numerator, and a denominator where the indicator has
    one), gaps between them as None, denominators only where the chart uses them."""
    from measures.charts.inputs import _base_inputs, _fill_series, _Loader, _reported

    _varied_measurements(world)
    if connection.vendor == "postgresql":
        # Each series read from the table, not its index: rows in the order they were written
        # (shuffled), so the query's own ORDER BY is what puts the months in order.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
    rows = list(ChartResult.objects.filter(scope="team").select_related("indicator__network"))
    loader = _Loader(rows)
    gaps = 0
    for row in rows:
        expected = _base_inputs(row.indicator, row.scope)
        values = {
            m.period: (float(m.numerator), None if m.denominator is None else float(m.denominator), None)
            for m in Measurement.objects.filter(team_id=row.team_id, indicator=row.indicator)
            if _reported(row.indicator, m.numerator, m.denominator)
        }
        _fill_series(expected, values)
        got = loader.inputs(row)
        assert (got.periods, got.numerators, got.denominators, got.n_teams) == (
            expected.periods,
            expected.numerators,
            expected.denominators,
            expected.n_teams,
        ), row
        gaps += None in got.numerators
    assert gaps and len(rows) >= 18  # the fallback for series with gaps is exercised too


def test_pooled_series_summed_in_sql_equal_the_reference_pooling(world):
    """The region and national inputs read with one GROUP BY equal `pool_measurements` and
    `active_teams` over the teams' rows: gaps, late starters, a team that left, other networks."""
    from measures.charts.inputs import _Loader, active_teams, pool_measurements
    from teams.models import Team

    _varied_measurements(world)
    rows = list(ChartResult.objects.exclude(scope="team").select_related("indicator__network"))
    loader = _Loader(rows)
    active = dict(Team.objects.values_list("id", "is_active"))
    region_of = dict(Team.objects.filter(network=world.network).values_list("id", "region_id"))
    for row in rows:
        team_rows = [
            (m.team_id, m.period, m.numerator, m.denominator)
            for m in Measurement.objects.filter(indicator=row.indicator, team__network=world.network)
            if row.scope == "national" or region_of[m.team_id] == row.region_id
        ]
        got = loader.inputs(row)
        expected = pool_measurements(row.indicator, team_rows)
        pooled = {
            p: (n, d, k)
            for p, n, d, k in zip(got.periods, got.numerators, got.denominators, got.n_teams, strict=True)
            if k
        }
        assert pooled.keys() == expected.keys(), row
        for period, (numerator, denominator, n_teams) in pooled.items():
            assert numerator == pytest.approx(expected[period][0], rel=1e-12), (row, period)
            assert denominator == (
                None if expected[period][1] is None else pytest.approx(expected[period][1])
            )
            assert n_teams == expected[period][2]
        assert got.n_active == active_teams(row.indicator, team_rows, got.periods, active), row


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_batches_are_written_by_a_second_connection_with_the_same_result(monkeypatch):
    # No transaction around the recompute (as in the worker and the sweep): the batches are written
    # by a second connection while the engine computes the next one. What it stores is what the
    # engine returns, and a row whose data changed while computing stays stale, unclaimed.
    from tests.base import build_world

    world = build_world()
    charts.chart_results_ensure(network=world.network)
    compute_many = charts.compute.chart_compute_many
    saved = []

    def compute_during_a_concurrent_save(many):
        if not saved:
            save(world, month(2024, 1), Decimal("999"))  # commits at once: no transaction here
            saved.append(True)
        return compute_many(many)

    monkeypatch.setattr(charts.compute, "WRITE_BATCH", 2)
    monkeypatch.setattr(charts.compute, "chart_compute_many", compute_during_a_concurrent_save)
    ids = charts.chart_results_claim_batch(limit=100, network=world.network)
    assert len(ids) > 2 and not connection.in_atomic_block
    assert charts._recompute_rows(ids, just_claimed=True) == len(ids)

    changed = team_row(world)
    assert changed.is_stale is True and changed.computed_at is None and changed.claimed_until is None
    # The rest stored, fresh and unclaimed (but the aggregates the save marked stale meanwhile).
    rows = list(ChartResult.objects.filter(id__in=ids, is_stale=False).select_related("indicator__network"))
    assert len(rows) >= len(ids) - 3
    loader = charts.inputs._Loader(rows)
    for row in rows:
        assert row.claimed_until is None and row.compute_count == 1
        assert row.data == json.loads(json.dumps(charts.chart_compute(loader.inputs(row))))


@pytest.mark.django_db(transaction=True)
def test_a_recompute_creates_the_missing_rows_and_computes_them_too():
    # Outside a transaction (a reader and writers on their own connections): the stale rows are
    # computed first, then the missing ones are created and computed in a second round; a network
    # without any row gets all of them in that round.
    from tests.base import build_world

    world = build_world()
    assert not ChartResult.objects.exists() and not connection.in_atomic_block
    computed = charts.chart_results_recompute_stale(network=world.network)
    rows = ChartResult.objects.filter(network=world.network)
    assert computed == rows.count() > 0
    assert not rows.filter(is_stale=True).exists()
    team_row(world).delete()
    rows.update(is_stale=True, input_hash="")
    assert charts.chart_results_recompute_stale(network=world.network) == rows.count()
    recreated = team_row(world)
    assert recreated.is_stale is False and recreated.computed_at is not None and recreated.n_points > 0
    assert not rows.filter(is_stale=True).exists() and not rows.filter(claimed_until__isnull=False).exists()


@pytest.mark.django_db
def test_recomputes_and_sweeps_run_with_fewer_young_collections(world, monkeypatch):
    import gc

    from lkt.heap import RELAXED_YOUNG
    from measures.charts import sweep

    seen = []
    compute_rows = sweep._rows_compute
    recompute_rows = sweep._recompute_rows

    def record(*args, **kwargs):
        seen.append(gc.get_threshold()[0])
        return compute_rows(*args, **kwargs)

    def record_sweep(*args, **kwargs):
        seen.append(gc.get_threshold()[0])
        return recompute_rows(*args, **kwargs)

    monkeypatch.setattr(sweep, "_rows_compute", record)
    monkeypatch.setattr(sweep, "_recompute_rows", record_sweep)
    before = gc.get_threshold()
    assert charts.chart_results_recompute_stale(network=world.network) > 0
    ChartResult.objects.filter(network=world.network).update(is_stale=True, input_hash="")
    assert charts.chart_results_sweep() > 0
    assert len(seen) >= 2 and set(seen) == {max(RELAXED_YOUNG, before[0])}
    assert gc.get_threshold() == before


@pytest.mark.django_db(transaction=True)
def test_the_writers_commit_the_batches_in_the_order_of_their_synced_at(monkeypatch):
    # Outside a transaction two writer connections take the batches in turn. A batch commits only
    # after the one before it, even when that one is slow: a BI client that pulls a batch's rows
    # (by synced_at) has then seen every earlier batch, whose synced_at is earlier.
    import threading

    from django.utils import timezone

    from tests.base import build_world

    if connection.vendor != "postgresql":
        pytest.skip("the writer connections write on PostgreSQL only (SQLite: one UPDATE per row)")
    world = build_world()
    charts.chart_results_recompute_stale(network=world.network)
    rows = ChartResult.objects.filter(network=world.network)
    rows.update(is_stale=True, stale_since=timezone.now(), input_hash="")
    write_batch = charts.compute._write_batch
    committed = []
    writers = set()

    def first_batch_slow(batch, now, before=None):
        writers.add(threading.current_thread().name)
        if before is None:
            time.sleep(0.3)  # the first batch: the second writer is done long before it
        written = write_batch(batch, now, before)
        committed.append(now)  # after its commit: write_batch returns after its transaction
        return written

    monkeypatch.setattr(charts.compute, "WRITE_BATCH", 2)
    monkeypatch.setattr(charts.compute, "_write_batch", first_batch_slow)
    assert not connection.in_atomic_block
    assert charts.chart_results_recompute_stale(network=world.network, force=True) == rows.count()
    assert len(committed) >= 4 and len(writers) == 2
    assert committed == sorted(committed)
    assert not rows.filter(is_stale=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_forced_sweep_writes_every_row_once_while_the_next_batch_is_claimed(monkeypatch):
    # Outside a transaction one writer serves all the sweep's claimed batches, so a batch may still
    # be queued for writing while the next is claimed, and the reader claims the next batch while
    # the engine computes the current one: a forced claim (which takes claimed rows) must take
    # neither our own unwritten rows nor the batch being computed, or they are computed twice.
    from django.utils import timezone

    from tests.base import build_world

    world = build_world()
    charts.chart_results_recompute_stale(network=world.network)
    rows = ChartResult.objects.filter(network=world.network)
    total = rows.count()
    # Every row stale with new inputs (as after a bulk load), so each is computed again.
    rows.update(compute_count=0, is_stale=True, stale_since=timezone.now(), input_hash="")
    write_batch = charts.compute._write_batch

    def slow_write(*args):
        time.sleep(0.05)  # the writers lag behind the engine, as on a busy database
        return write_batch(*args)

    monkeypatch.setattr(charts.compute, "WRITE_BATCH", 2)
    monkeypatch.setattr(charts.compute, "_write_batch", slow_write)
    assert not connection.in_atomic_block
    assert charts.chart_results_recompute_stale(network=world.network, batch_size=3, force=True) == total
    assert set(rows.values_list("compute_count", "is_stale")) == {(1, False)}
    assert not rows.filter(claimed_until__isnull=False).exists()
