"""Who sees whom on the cluster pages: each doctor named only to themselves; prescribers never outside."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

OTHER_DOCTORS = [
    "Niels Nordmann",
    "Svend Sydmann",
    "Østen Østergård",
    "Ølse Østmann",
    "Vera Vestlund",
    "Viggo Vestmann",
]


def pages(cw) -> list[str]:
    return [
        reverse("clusters:cluster-detail", args=[cw.cluster.slug]),
        reverse("clusters:meeting-detail", args=[cw.meeting.uuid]),
        reverse("clusters:meeting-data", args=[cw.meeting.uuid]),
        reverse("clusters:meeting-report", args=[cw.meeting.uuid]),
        reverse("clusters:meeting-followup", args=[cw.follow_up.uuid]),
    ]


def test_a_member_sees_their_own_name_and_peers_as_letters(cw, client_for):
    client = client_for(cw.member)
    for url in pages(cw):
        html = client.get(url).content.decode()
        # The coordinator is named as coordinator on the cluster page, never as a prescriber.
        for name in OTHER_DOCTORS + (["Nora Nordlund"] if "/klynger/" not in url else []):
            assert name not in html, (url, name)
        for practice in ("Lægerne Nordby", "Østby Lægecenter", "Vestby Praksis", "100001", "100003"):
            assert practice not in html, (url, practice)
    data = client.get(reverse("clusters:meeting-data", args=[cw.meeting.uuid])).content.decode()
    assert "Sara Sydlund (dig)" in data
    assert "Sydby Lægehus (din praksis)" in data
    assert "Læge " in data and "Praksis " in data
    assert "Rå rater" in data


def test_national_lead_and_coordinator_see_practices_but_no_prescribers(world, cw, client_for):
    for user in (world.national_lead, world.coordinator):
        client = client_for(user)
        for url in pages(cw):
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            coordinator = ["Nora Nordlund"] if "/klynger/" not in url else []
            for name in [*OTHER_DOCTORS, *coordinator, "Sara Sydlund", "Læge A"]:
                assert name not in html, (user, url, name)
        data = client.get(reverse("clusters:meeting-data", args=[cw.meeting.uuid])).content.decode()
        assert "Lægerne Nordby" in data
        assert "Behandlerne sammenlignet" not in data
        assert client.get(reverse("clusters:meeting-discussion", args=[cw.meeting.uuid])).status_code == 404


def test_outsiders_get_404(world, cw, client_for):
    for user in (cw.other_member, world.other_team_member, world.stranger):
        client = client_for(user)
        for url in pages(cw):
            assert client.get(url).status_code == 404, (user, url)


def test_the_provider_sees_the_key_only_on_the_meeting_page(cw, client_for):
    client = client_for(cw.pharmacist)
    detail = client.get(reverse("clusters:meeting-detail", args=[cw.meeting.uuid])).content.decode()
    assert "Niels Nordmann" in detail  # the key, to hand each doctor their own figures
    data = client.get(reverse("clusters:meeting-data", args=[cw.meeting.uuid])).content.decode()
    assert "Niels Nordmann" not in data and "Læge A" in data


def test_the_discussion_keeps_history_and_refuses_a_stale_version(cw, client_for):
    client = client_for(cw.coordinator)
    url = reverse("clusters:meeting-discussion", args=[cw.meeting.uuid])
    version = cw.meeting.version
    response = client.post(url, {"version": version, "answer_0": "Mange tanker", "answer_1": "CRP"})
    assert response.status_code == 302
    response = client.post(url, {"version": version, "answer_0": "Andre tanker", "answer_1": ""})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Andre tanker" in html and "Mange tanker" in html  # nothing the user typed is lost
    answer = cw.meeting.answers.get(order=1)
    assert answer.answer == "Mange tanker"
    assert answer.history.count() == 1


def test_a_member_reads_but_cannot_write_the_discussion(cw, client_for):
    client = client_for(cw.member)
    url = reverse("clusters:meeting-discussion", args=[cw.meeting.uuid])
    assert client.get(url).status_code == 200
    assert client.post(url, {"version": cw.meeting.version, "answer_0": "x"}).status_code == 403


def test_goals_at_four_levels(cw, client_for):
    client = client_for(cw.coordinator)
    url = reverse("clusters:goal-add", args=[cw.meeting.uuid])
    member_prescriber = next(p for p in cw.prescribers if p.user_id == cw.member.id)
    for data in (
        {"level": "cluster", "text": "Under 300", "measure": "rate", "target_value": "300"},
        {
            "level": "practice",
            "practice": cw.practices[2].id,
            "text": "Færre quinoloner",
            "measure": "critical",
            "target_value": "2,5",
        },
        {
            "level": "prescriber",
            "prescriber": member_prescriber.id,
            "text": "Penicillin V først",
            "measure": "",
            "target_value": "",
        },
        {
            "level": "patient",
            "text": "Skriftlig plan ved luftvejsinfektion",
            "measure": "",
            "target_value": "",
        },
    ):
        assert client.post(url, data).status_code == 302, data
    goals = {g.level: g for g in cw.meeting.goals.all()}
    assert set(goals) == {"cluster", "practice", "prescriber", "patient"}
    assert str(goals["practice"].target_value) == "2.50"
    # A practice-level goal without a practice is refused with a message, nothing stored.
    response = client.post(url, {"level": "practice", "text": "x"})
    assert response.status_code == 400 and cw.meeting.goals.count() == 4
    # The member sees the prescriber-level goal under their own name; the coordinator as "Læge X".
    own = (
        client_for(cw.member)
        .get(reverse("clusters:meeting-discussion", args=[cw.meeting.uuid]))
        .content.decode()
    )
    assert "Sara Sydlund (dig)" in own
    coordinator_view = client.get(
        reverse("clusters:meeting-discussion", args=[cw.meeting.uuid])
    ).content.decode()
    assert "Sara Sydlund" not in coordinator_view


def test_follow_up_needs_six_months(cw, client_for):
    client = client_for(cw.coordinator)
    url = reverse("clusters:meeting-create", args=[cw.cluster.slug])
    response = client.post(
        url,
        {
            "package": cw.package.pk,
            "kind": "follow_up",
            "follows": cw.meeting.pk,
            "date": "2025-08-01",
            "comparison": "same_months",
        },
    )
    assert response.status_code == 400
    assert "mindst 6 måneder" in response.content.decode()
    response = client.post(
        url,
        {
            "package": cw.package.pk,
            "kind": "follow_up",
            "follows": cw.meeting.pk,
            "date": "2025-09-20",
            "comparison": "rolling_12",
        },
    )
    assert response.status_code == 302


def test_follow_up_page_compares_with_a_named_method(cw, client_for):
    html = (
        client_for(cw.member)
        .get(reverse("clusters:meeting-followup", args=[cw.follow_up.uuid]))
        .content.decode()
    )
    assert "Newcombe" in html and "Wald" in html
    assert "Forskel (intervallet indeholder ikke 0)" in html  # fluoroquinolones halved after the meeting


def test_upload_is_all_or_nothing(cw, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clusters.models import Extract

    client = client_for(cw.pharmacist)
    url = reverse("clusters:extract-upload", args=[cw.follow_up.uuid])
    before = Extract.objects.count()
    bad = (
        "Niveau;Ydernummer;Praksis;Behandler-id;Behandler;Periode;ATC-kode;Recepter;DDD;Tilmeldte patienter\n"
        "Praksis;100001;Lægerne Nordby;;;2025-01;J01CE02;12;;3000\n"
        "Praksis;100001;Lægerne Nordby;;;2025-01;J01MA02;1.234;;3000\n"
    )
    response = client.post(url, {"file": SimpleUploadedFile("bad.csv", bad.encode())})
    assert response.status_code == 400
    assert "tvetydigt" in response.content.decode()
    assert Extract.objects.count() == before
    good = bad.replace("1.234", "3")
    response = client.post(url, {"file": SimpleUploadedFile("good.csv", good.encode())})
    assert response.status_code == 302
    assert Extract.objects.count() == before + 1
    # The coordinator cannot upload.
    assert (
        client_for(cw.coordinator)
        .post(url, {"file": SimpleUploadedFile("good.csv", good.encode())})
        .status_code
        == 403
    )


def test_template_downloads(cw, client_for):
    client = client_for(cw.pharmacist)
    csv = client.get(reverse("clusters:extract-template")).content.decode("utf-8-sig")
    assert csv.startswith(
        "Niveau;Ydernummer;Praksis;Behandler-id;Behandler;Periode;ATC-kode;Recepter;DDD;Tilmeldte patienter"
    )
    xlsx = client.get(reverse("clusters:extract-template") + "?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_package_edit_conflict_and_provider_only(cw, client_for):
    from clusters.forms import PackageForm

    client = client_for(cw.pharmacist)
    url = reverse("clusters:package-edit", args=[cw.package.slug])
    initial = PackageForm.initial_for(cw.package)
    data = {k: v for k, v in initial.items() if k != "goal_levels" and v is not None}
    data["goal_levels"] = initial["goal_levels"]
    data["is_published"] = "on"
    data["questions"] = "Spørgsmål 1\nSpørgsmål 2\nSpørgsmål 3"
    assert client.post(url, data).status_code == 302
    assert [i.text for i in cw.package.items.filter(kind="question").order_by("order")] == [
        "Spørgsmål 1",
        "Spørgsmål 2",
        "Spørgsmål 3",
    ]
    assert client.post(url, data).status_code == 409  # the same old version again
    assert client_for(cw.coordinator).get(url).status_code == 403


def test_meeting_edit_refuses_a_stale_version_and_keeps_what_was_typed(cw, client_for):
    client = client_for(cw.coordinator)
    url = reverse("clusters:meeting-edit", args=[cw.follow_up.uuid])
    data = {
        "date": "2025-10-02",
        "place": "Sydby",
        "status": "planned",
        "extract_wishes": "",
        "comparison": "same_months",
        "version": cw.follow_up.version,
    }
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "place": "Østby"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Østby" in html and "Sydby" in html
    cw.follow_up.refresh_from_db()
    assert cw.follow_up.place == "Sydby"
    assert cw.follow_up.history.count() >= 2


def test_the_provider_edits_the_critically_important_list(cw, client_for):
    from clusters.models import AntibioticGroup

    client = client_for(cw.pharmacist)
    url = reverse("clusters:provider-groups", args=[cw.provider.slug])
    groups = list(AntibioticGroup.objects.filter(provider=cw.provider))
    data = {
        "groups-TOTAL_FORMS": str(len(groups)),
        "groups-INITIAL_FORMS": str(len(groups)),
        "groups-MIN_NUM_FORMS": "0",
        "groups-MAX_NUM_FORMS": "1000",
    }
    for index, group in enumerate(groups):
        data.update(
            {
                f"groups-{index}-code": group.code,
                f"groups-{index}-name": group.name,
                f"groups-{index}-atc_prefixes": group.atc_prefixes,
            }
        )
        if group.is_narrow_penicillin:
            data[f"groups-{index}-is_narrow_penicillin"] = "on"
        # Fluoroquinolones are no longer counted as critically important; macrolides are.
        if group.code == "j01fa" or (group.is_critically_important and group.code != "j01ma"):
            data[f"groups-{index}-is_critically_important"] = "on"
    assert client.post(url, data).status_code == 302
    assert set(
        AntibioticGroup.objects.filter(provider=cw.provider, is_critically_important=True).values_list(
            "code", flat=True
        )
    ) == {"j01fa", "j01db-de", "j01dh"}
    assert AntibioticGroup.history.filter(code="j01ma").count() == 2
    bad = {**data, "groups-0-atc_prefixes": "X01"}
    assert client.post(url, bad).status_code == 400
    assert client_for(cw.coordinator).post(url, data).status_code == 403


def test_a_provider_creates_a_package(cw, client_for):
    client = client_for(cw.pharmacist)
    response = client.post(
        reverse("clusters:package-create", args=[cw.provider.slug]),
        {
            "title": "Urinvejsinfektioner hos ældre",
            "duration_minutes": "180",
            "extract_lead_days": "60",
            "follow_up_min_months": "6",
            "goal_levels": ["cluster", "patient"],
            "questions": "Hvad gør vi nu?",
            "materials": "Vejledning | https://example.org/uvi\nPjece",
        },
    )
    assert response.status_code == 302
    from clusters.models import Package

    package = Package.objects.get(title="Urinvejsinfektioner hos ældre")
    assert package.slug == "urinvejsinfektioner-hos-aeldre" and not package.is_published
    assert [(i.text, i.url) for i in package.items.filter(kind="material").order_by("order")] == [
        ("Vejledning", "https://example.org/uvi"),
        ("Pjece", ""),
    ]
    # Unpublished: other users do not see it.
    assert (
        client_for(cw.coordinator).get(reverse("clusters:package-detail", args=[package.slug])).status_code
        == 404
    )
