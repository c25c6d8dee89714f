"""Changes outside measures that alter charts: a team moved between regions."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from teams.models import Organisation, Team

from ..charts import chart_team_moved


@transaction.atomic
def team_region_move(*, team: Team, region: Organisation, user: User) -> Team:
    """Move a team to another region: the team's and both regions' charts are recomputed after commit.

    Region aggregates pool the teams of a region, so the old region's chart loses the team and the
    new region's gains it; nothing waits for the sweep.
    """
    if region.kind != Organisation.Kind.REGION:
        raise ValidationError({"region": _("Vælg en region.")})
    team = Team.objects.select_for_update().get(pk=team.pk)
    old_region_id = team.region_id
    if old_region_id == region.id:
        return team
    team.region = region
    team.full_clean()
    team.save(update_fields=["region"])
    chart_team_moved(team=team, old_region_id=old_region_id)
    return team
