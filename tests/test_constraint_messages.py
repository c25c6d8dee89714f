"""Every database constraint has a translated, human message at the field it concerns."""

from datetime import date, datetime, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone, translation
from django.utils.functional import Promise

from lkt.constraints import CONSTRAINT_MESSAGES, HumanConstraintMessages


def all_constraints():
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            continue
        for constraint in model._meta.constraints:
            yield model, constraint


@pytest.mark.parametrize(
    ("model", "constraint"), list(all_constraints()), ids=lambda value: getattr(value, "name", str(value))
)
def test_every_constraint_has_a_human_message_at_a_real_field(model, constraint):
    assert issubclass(model, HumanConstraintMessages), f"{model.__name__} does not report messages at fields"
    assert constraint.name in CONSTRAINT_MESSAGES, f"{constraint.name} has no message in lkt/constraints.py"
    field, message = CONSTRAINT_MESSAGES[constraint.name]
    try:
        model._meta.get_field(field)
    except FieldDoesNotExist:
        pytest.fail(f"{constraint.name}: {model.__name__} has no field {field!r}")
    assert isinstance(message, Promise), "the message must be marked for translation (gettext_lazy)"
    with translation.override("da"):
        text = str(message)
    assert constraint.name not in text and "Begrænsning" not in text
    assert text.endswith(".") and text[0].isupper()


def test_no_message_is_left_for_a_constraint_that_no_longer_exists():
    names = {constraint.name for _, constraint in all_constraints()}
    assert set(CONSTRAINT_MESSAGES) - names == set()


@pytest.mark.django_db
def test_a_pdsa_cycle_ending_before_it_starts_says_so_at_the_end_date(world):
    from measures.models import PDSACycle

    cycle = PDSACycle(
        team=world.team_a,
        title="Stop-ordre på dag 5",
        start_date=date(2025, 3, 10),
        end_date=date(2025, 3, 1),
    )
    with pytest.raises(Exception) as excinfo:
        cycle.full_clean()
    errors = excinfo.value.message_dict
    assert errors["end_date"] == ["Slutdatoen kan ikke ligge før startdatoen."]
    assert "measures_pdsacycle_end_after_start" not in str(errors)


@pytest.mark.django_db
def test_the_pdsa_form_shows_the_message_at_the_end_date_field(world, client_for):
    from django.urls import reverse

    from measures.models import PDSACycle

    url = reverse("measures:pdsa-create", kwargs={"team_uuid": world.team_a.uuid})
    response = client_for(world.team_lead).post(
        url,
        {
            "title": "Stop-ordre på dag 5",
            "status": "planned",
            "start_date": "2025-03-10",
            "end_date": "2025-03-01",
        },
    )
    assert response.status_code in (200, 400)
    form = response.context["form"]
    assert "Slutdatoen kan ikke ligge før startdatoen." in form.errors.get("end_date", [])
    assert "Begrænsning" not in response.content.decode()
    assert not PDSACycle.objects.filter(title="Stop-ordre på dag 5").exists()


@pytest.mark.django_db
def test_a_seminar_ending_before_it_starts_says_so_at_the_end(world):
    from seminars.models import Seminar

    start = timezone.make_aware(datetime(2026, 3, 1, 9))
    seminar = Seminar(
        network=world.network, title="Læringsseminar 1", starts_at=start, ends_at=start - timedelta(hours=1)
    )
    with pytest.raises(Exception) as excinfo:
        seminar.full_clean()
    assert excinfo.value.message_dict["ends_at"] == ["Seminaret skal slutte efter, at det begynder."]
