"""Numbers as Danes write them: decimal comma, thousands point, no trailing zeros."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [
        (Decimal("1076.5000"), 4, "1.076,5"),
        (Decimal("99.7000"), 2, "99,7"),
        (Decimal("100.0000"), 2, "100"),
        (Decimal("0.1250"), 4, "0,125"),
        (Decimal("12.3456"), 2, "12,35"),
        (None, 2, "–"),
    ],
)
def test_dk_trim_drops_trailing_zeros_and_groups_thousands(value, places, shown):
    with translation.override("da"):
        text = Template("{% load lkt_charts %}{{ value|dk_trim:places }}").render(
            Context({"value": value, "places": places})
        )
    assert text == shown


def test_the_upload_preview_shows_no_trailing_zeros(world, client_for, db):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    content = "Indikator;Måned;Tæller;Nævner\nddd;2024-01;1076,5;1000\n".encode()
    response = client_for(world.data_entry).post(
        reverse("measures:entry-upload", kwargs={"team_uuid": world.team_a.uuid}),
        {"file": SimpleUploadedFile("data.csv", content), "indicator": ""},
    )
    html = response.content.decode()
    assert "1.076,5" in html and "1.076,5000" not in html and "1076,5000" not in html
