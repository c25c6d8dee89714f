"""GP clusters in a real browser: the coordinator plans a meeting, sees the extract deadline, the provider
uploads the extract, the coordinator records the discussion and a goal; a doctor reads the meeting data
(only their own name), the before/after comparison and the report. axe-core on every page; screenshots
in test-artifacts/."""

from datetime import date, timedelta

import pytest

from clusters.upload import COLUMNS
from tests.base import build_world
from tests.clusters.factory import build_cluster_world

from .conftest import axe_violations, login, screenshot
from .test_seminars import script_errors, watch_failed_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check(page, failed, name: str) -> None:
    page.wait_for_load_state("networkidle")
    screenshot(page, name)
    assert axe_violations(page) == [], name
    assert script_errors(page) == [], name
    assert failed == [], name


def test_the_coordinators_journey(page, tmp_path):
    world = build_world()
    cw = build_cluster_world(world)
    failed = watch_failed_requests(page)
    login(page, "cluster-coordinator")
    page.goto(f"{page.lkt_base}/klynger/")
    page.get_by_role("link", name="Testklynge").click()
    check(page, failed, "clusters-cluster")
    page.get_by_role("link", name="Planlæg klyngemøde").click()
    day = date.today() + timedelta(days=70)
    page.select_option("#id_package", label="Antibiotika – test")
    page.fill("#id_date", day.isoformat())
    page.fill("#id_place", "Nordby Lægehus")
    check(page, failed, "clusters-plan")
    page.get_by_role("button", name="Planlæg mødet").click()
    page.wait_for_load_state("networkidle")
    # 70 days ahead: the deadline is in 10 days, so the page warns.
    deadline = (day - timedelta(days=60)).strftime("%-d. %B %Y")
    assert "Husk at bestille datatrækket" in page.content()
    check(page, failed, "clusters-meeting-planned")
    page.get_by_role("button", name="Registrér at datatrækket er bestilt").click()
    page.wait_for_load_state("networkidle")
    assert "Bestillingen af datatrækket er registreret" in page.content()
    meeting_url = page.url

    # The pharmacist uploads the extract: first a file with an error (nothing saved), then a good one.
    page.context.clear_cookies()
    login(page, "cluster-provider")
    page.goto(meeting_url)
    page.get_by_role("link", name="Indlæs datatræk").click()
    header = ";".join(COLUMNS)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        header + "\nPraksis;100001;Lægerne Nordby;;;2025-01;J01CE02;12,5;;3000\n", encoding="utf-8"
    )
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="Indlæs").click()
    page.wait_for_load_state("networkidle")
    assert "skal være et helt tal" in page.content()
    failed.clear()  # the refused upload answers 400 by design
    # ...and the browser logs that 400 twice; drop exactly those entries, keep any other error.
    page.lkt_errors[:] = [
        e
        for e in page.lkt_errors
        if not (e.startswith("response 400: ") and e.endswith("/datatraek/"))
        and e
        != "console.error: Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    check_no_failed = []
    screenshot(page, "clusters-upload-errors")
    rows = [header]
    for month in range(1, 13):
        for code, name, listed in (
            ("100001", "Lægerne Nordby", 3000),
            ("100002", "Sydby Lægehus", 2000),
            ("100003", "Østby Lægecenter", 4000),
        ):
            rows.append(f"Praksis;{code};{name};;;2025-{month:02d};J01CE02;{30 + month};;{listed}")
            rows.append(f"Praksis;{code};{name};;;2025-{month:02d};J01MA02;{3 + month % 3};;{listed}")
    good = tmp_path / "good.csv"
    good.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="Indlæs").click()
    page.wait_for_load_state("networkidle")
    assert "Datatrækket er indlæst: 72 rækker" in page.content()
    assert check_no_failed == []

    # Back as the coordinator: the meeting was held; record the discussion and a cluster-level goal.
    page.context.clear_cookies()
    login(page, "cluster-coordinator")
    page.goto(cw.meeting and f"{page.lkt_base}/klyngemoeder/{cw.meeting.uuid}/droeftelse/")
    page.fill("#id_answer_0", "Vi udskriver flere makrolider om vinteren, end vi troede.")
    page.get_by_role("button", name="Gem opsamlingen").click()
    page.wait_for_load_state("networkidle")
    assert "Opsamlingen er gemt" in page.content()
    page.select_option("#id_level", "cluster")
    page.fill("#id_text", "Andelen af penicillin V er mindst 40 %.")
    page.select_option("#id_measure", "penicillin_v")
    page.fill("#id_target_value", "40")
    page.get_by_role("button", name="Tilføj mål").click()
    page.wait_for_load_state("networkidle")
    assert "Målet er gemt" in page.content()
    check(page, failed, "clusters-discussion")
    page.get_by_role("link", name="Mødereferat til print").click()
    page.wait_for_timeout(1500)
    assert "Andelen af penicillin V er mindst 40 %." in page.content()
    check(page, failed, "clusters-report")
    assert deadline  # shown on the meeting page above


def test_a_doctors_journey(page):
    world = build_world()
    cw = build_cluster_world(world)
    failed = watch_failed_requests(page)
    login(page, "cluster-member")
    page.goto(f"{page.lkt_base}/klynger/")
    page.get_by_role("link", name="Testklynge").click()
    page.get_by_role("link", name="Opfølgende klyngemøde").first.click()
    check(page, failed, "clusters-doctor-meeting")
    page.goto(f"{page.lkt_base}/klyngemoeder/{cw.meeting.uuid}/data/")
    for y in range(0, 9000, 600):
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(100)
    page.wait_for_timeout(800)
    html = page.content()
    assert "Sara Sydlund (dig)" in html and "Sydby Lægehus (din praksis)" in html
    assert "Niels Nordmann" not in html and "Lægerne Nordby" not in html
    assert page.locator(".js-plotly-plot").count() >= 5
    check(page, failed, "clusters-doctor-data")
    page.goto(f"{page.lkt_base}/klyngemoeder/{cw.follow_up.uuid}/opfoelgning/")
    assert "Newcombe" in page.content()
    check(page, failed, "clusters-doctor-followup")
    page.goto(f"{page.lkt_base}/klyngemoeder/{cw.meeting.uuid}/droeftelse/")
    assert page.locator("form.lkt-cl-form").count() == 0  # a member reads, the coordinator writes
    check(page, failed, "clusters-doctor-discussion")
