"""The grid says in words (not by colour alone) which values were entered after their month was locked."""

from datetime import date

import pytest
from django.urls import reverse

from measures.models import Measurement
from measures.services.entry_locks import month_lock_set

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def test_a_value_entered_after_the_lock_is_marked_in_the_cell(world, client_for):
    month_lock_set(network=world.network, through=date(2024, 6, 1), user=world.national_lead)
    client = client_for(world.data_entry)
    response = client.post(
        reverse("measures:entry-save", args=[world.team_a.uuid]),
        {
            "indicator": str(world.count_indicator.uuid),
            "period": "2024-03",
            "numerator": "7",
            "denominator": "10",
            "comment": "",
            "expected_version": "",
        },
        **JSON,
    )
    assert response.status_code == 200, response.content
    assert response.json()["cell"]["entered_after_lock"] is True
    html = client.get(
        reverse("measures:entry-grid", args=[world.team_a.uuid]), {"aar": "2024"}
    ).content.decode()
    cell = (
        html.split('id="n-reassessed-2024-03"')[0].rsplit("<td", 1)[1]
        + html.split('id="n-reassessed-2024-03"')[1].split("</td>")[0]
    )
    assert 'class="a"' in cell or ' a"' in cell
    assert '<small class="entry-after-lock" id="a-reassessed-2024-03">Indtastet efter låsning</small>' in cell
    # The fields are described by the mark, so a screen reader says it with them.
    assert 'aria-describedby="a-reassessed-2024-03"' in cell
    # A value entered before the lock has no mark.
    other = html.split('id="n-ddd-2024-03"')[1].split("</td>")[0]
    assert "entry-after-lock" not in other
    assert Measurement.objects.get(
        team=world.team_a, indicator=world.count_indicator, period=date(2024, 3, 1)
    ).entered_after_lock
