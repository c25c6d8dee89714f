"""A simulated BI replica never drifts: after any sequence of writes, incremental pulls equal a full export.

A hypothesis state machine (derandomised: the same sequences on every run, about 25 examples of
about 30 steps) pulls the flat measurement table once, then interleaves grid saves and clears
(the real view), uploads (the bulk service as the upload confirms it), API bulk writes (the real
endpoint with a write token), publishing a new indicator version, renaming and moving teams and
renaming an organisation, with incremental pulls as a BI client does them: deletions first, then
`updated_since` = the start of the previous pull, keyed by `uuid`, following `next`. After the
last pull the replica must equal a full export row for row and column for column.
"""

import os
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from measures.models import Measurement
from measures.services.definitions import indicator_publish, indicator_update
from measures.services.entry import MeasurementRow, measurements_bulk_save
from teams.services import api_token_create
from tests.base import build_world

pytestmark = pytest.mark.django_db

MEASUREMENTS = "/api/v1/measurements/"
DELETIONS = "/api/v1/measurement-deletions/"
PERIODS = [date(2024, 1 + i % 12, 1) if i < 12 else date(2025, 1 + i % 12, 1) for i in range(24)]

periods = st.sampled_from(PERIODS)
numbers = st.integers(min_value=0, max_value=900)


def walk(client: Client, url: str, params: dict) -> list[dict]:
    rows: list[dict] = []
    response = client.get(url, {**params, "page_size": 20})  # small pages: several cursors per pull
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows.extend(body["results"])
        if not body["next"]:
            return rows
        response = client.get(body["next"])


class Replica(RuleBasedStateMachine):
    """One BI client's copy of the flat measurement table, against a fresh world per example."""

    @initialize()
    def start(self) -> None:
        # Each example runs in a savepoint rolled back in teardown: a fresh world every time.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        cache.clear()  # throttle buckets
        self.world = world = build_world()
        _token, raw = api_token_create(
            network=world.network,
            name="BI",
            region=None,
            write_team=None,
            expires_at=None,
            user=world.national_lead,
        )
        _token, write = api_token_create(
            network=world.network,
            name="Egen",
            region=None,
            write_team=world.team_b,
            expires_at=None,
            user=world.national_lead,
        )
        self.reader = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        self.writer = Client(HTTP_AUTHORIZATION=f"Bearer {write}")
        self.grid = Client()
        self.grid.force_login(world.data_entry)
        self.copy: dict[str, dict] = {}
        self.last_pull = None
        self.renames = 0
        self.pull()

    def teardown(self) -> None:
        if hasattr(self, "atomic"):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    # ------------------------------------------------------------------ the client

    @rule()
    def pull(self) -> None:
        started = timezone.now()
        if self.last_pull is None:
            self.copy = {r["uuid"]: r for r in walk(self.reader, MEASUREMENTS, {})}
        else:
            since = {"updated_since": self.last_pull.isoformat()}
            for gone in walk(self.reader, DELETIONS, since):
                self.copy.pop(gone["uuid"], None)
            for row in walk(self.reader, MEASUREMENTS, since):
                self.copy[row["uuid"]] = row
        self.last_pull = started

    # ------------------------------------------------------------------ writes

    @rule(period=periods, numerator=numbers, clear=st.booleans())
    def grid_save(self, period: date, numerator: int, clear: bool) -> None:
        world = self.world
        stored = Measurement.objects.filter(
            team=world.team_a, indicator=world.indicator, period=period
        ).first()
        data = {
            "indicator": str(world.indicator.uuid),
            "period": f"{period:%Y-%m}",
            "numerator": "" if clear else str(numerator),
            "denominator": "" if clear else "1000",
            "comment": "",
            "expected_version": str(stored.version) if stored else "",
        }
        url = reverse("measures:entry-save", kwargs={"team_uuid": world.team_a.uuid})
        response = self.grid.post(url, data, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.content

    @rule(first=periods, count=st.integers(min_value=1, max_value=6), numerator=numbers)
    def upload(self, first: date, count: int, numerator: int) -> None:
        world = self.world
        start = PERIODS.index(first)
        rows = [
            MeasurementRow("reassessed", period, Decimal(numerator % 50), Decimal(50), row_number=n)
            for n, period in enumerate(PERIODS[start : start + count], start=1)
        ]
        measurements_bulk_save(team=world.team_a, rows=rows, user=world.data_entry, source="upload")

    @rule(period=periods, numerator=numbers)
    def api_bulk_write(self, period: date, numerator: int) -> None:
        world = self.world
        stored = Measurement.objects.filter(
            team=world.team_b, indicator=world.indicator, period=period
        ).first()
        row = {
            "indicator": "ddd",
            "period": f"{period:%Y-%m}",
            "numerator": numerator,
            "denominator": 1000,
            "expected_version": stored.version if stored else 0,
        }
        url = reverse("api-v1:team-measurements-bulk", kwargs={"team_uuid": str(world.team_b.uuid)})
        response = self.writer.post(url, [row], content_type="application/json")
        assert response.status_code == 200, response.content

    @rule(data=st.data())
    def delete_one(self, data) -> None:
        stored = list(Measurement.objects.order_by("team_id", "indicator_id", "period"))
        if stored:
            m = data.draw(st.sampled_from(stored))
            m._history_user = self.world.data_entry
            m.delete()

    @rule(multiplier=st.sampled_from([Decimal(10), Decimal(100), Decimal(1000)]))
    def publish_indicator(self, multiplier: Decimal) -> None:
        indicator = self.world.indicator
        indicator.refresh_from_db()
        if indicator.multiplier == multiplier:
            return
        indicator_update(
            indicator=indicator,
            user=self.world.expert,
            multiplier=multiplier,
            unit=f"DDD pr. {multiplier} sengedage",
        )
        indicator_publish(indicator=indicator, user=self.world.expert, change_note="Ny multiplikator")

    @rule(which=st.booleans())
    def rename_team(self, which: bool) -> None:
        team = self.world.team_a if which else self.world.team_b
        self.renames += 1
        team.name = f"{team.name.split(' #')[0]} #{self.renames}"
        team.save()

    @rule(which=st.booleans())
    def move_team(self, which: bool) -> None:
        world = self.world
        team = world.team_a if which else world.team_b
        team.region = world.midtjylland if team.region_id == world.hovedstaden.id else world.hovedstaden
        team.save()

    @rule()
    def rename_organisation(self) -> None:
        self.renames += 1
        organisation = self.world.hospital_b
        organisation.name = f"Testhospital Vest #{self.renames}"
        organisation.save()

    # ------------------------------------------------------------------ the check

    def check_equal_to_full_export(self) -> None:
        self.pull()
        export = {r["uuid"]: r for r in walk(self.reader, MEASUREMENTS, {})}
        assert set(self.copy) == set(export)
        for uuid, row in export.items():
            assert self.copy[uuid] == row, uuid


class ReplicaWithFinalCheck(Replica):
    def teardown(self) -> None:
        try:
            if hasattr(self, "copy"):
                self.check_equal_to_full_export()
        finally:
            super().teardown()


def test_an_incremental_replica_equals_a_full_export(db):
    run_state_machine_as_test(
        ReplicaWithFinalCheck,
        settings=settings(
            max_examples=int(os.environ.get("REPLICA_EXAMPLES", "25")),
            stateful_step_count=int(os.environ.get("REPLICA_STEPS", "30")),
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
