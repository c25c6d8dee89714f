"""Every database constraint's human, translated message and the field it belongs to.

Django's default message names the constraint ("Begrænsning “measures_pdsacycle_end_after_start”
er overtrådt."), which no user can act on, and puts it above the form instead of at the field.
Models with constraints mix in HumanConstraintMessages: model validation (full_clean, ModelForms,
the admin) then reports a violated constraint with the message below, at its field. A test walks
every model's constraints and requires an entry here (tests/test_constraint_messages.py).

This module is below every app (it imports nothing of ours), so the base app may use it too.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router
from django.utils.translation import gettext_lazy as _

# constraint name -> (field the message is shown at, message)
CONSTRAINT_MESSAGES = {
    # teams
    "teams_organisation_unique_parent_name": (
        "name",
        _("Der findes allerede en organisation med dette navn her."),
    ),
    "teams_network_deadline_day_1_28": ("reporting_deadline_day", _("Vælg en dag mellem 1 og 28.")),
    "teams_network_end_after_start": ("end_date", _("Slutdatoen skal ligge efter startdatoen.")),
    "teams_network_baseline_months_max_120": ("baseline_months", _("Højst 120 måneder.")),
    "teams_network_follow_up_months_max_120": ("follow_up_months", _("Højst 120 måneder.")),
    "teams_network_pooled_min_share_1_100": ("pooled_min_share", _("Angiv en procent mellem 1 og 100.")),
    "teams_network_spc_rule_set_valid": ("spc_rule_set", _("Vælg et af de tilbudte regelsæt.")),
    "teams_networkmembership_unique_role": ("role", _("Personen har allerede denne rolle i LKT'et.")),
    "teams_networkmembership_coordinator_has_region": (
        "region",
        _("En regional tovholder skal have en region."),
    ),
    "teams_team_unique_network_code": ("code", _("Et andet team i LKT'et har allerede denne kode.")),
    "teams_oidcidentity_unique_issuer_subject": (
        "subject",
        _("Denne identitet hos login-udbyderen er allerede knyttet til en bruger."),
    ),
    "teams_teammembership_unique_team_user": ("user", _("Personen er allerede med i teamet.")),
    # measures: definitions
    "measures_goal_unique_network_number": ("number", _("LKT'et har allerede et mål med dette nummer.")),
    "measures_indicator_unique_network_code": ("code", _("LKT'et har allerede en indikator med denne kode.")),
    "measures_indicator_multiplier_positive": ("multiplier", _("Multiplikatoren skal være større end 0.")),
    "measures_indicator_first_due_month_day_1": (
        "first_due_month",
        _("Angiv en måned (den 1. i måneden)."),
    ),
    "measures_indicator_last_due_month_day_1": ("last_due_month", _("Angiv en måned (den 1. i måneden).")),
    "measures_indicator_last_due_after_first": (
        "last_due_month",
        _("Sidste måned med indberetningspligt skal ligge efter den første."),
    ),
    "measures_indicatorversion_unique_indicator_version": (
        "version",
        _("Indikatoren har allerede en version med dette nummer."),
    ),
    "measures_indicator_decimals_0_4": ("decimals", _("Vælg et antal decimaler mellem 0 og 4.")),
    "measures_indicatorversion_decimals_0_4": ("decimals", _("Vælg et antal decimaler mellem 0 og 4.")),
    "measures_indicatordraft_decimals_0_4": ("decimals", _("Vælg et antal decimaler mellem 0 og 4.")),
    "measures_indicatordraft_multiplier_positive": (
        "multiplier",
        _("Multiplikatoren skal være større end 0."),
    ),
    "measures_indicatordraft_last_due_after_first": (
        "last_due_month",
        _("Sidste måned med indberetningspligt skal ligge efter den første."),
    ),
    "measures_localtarget_unique_team_indicator": (
        "indicator",
        _("Teamet har allerede et lokalt mål for indikatoren."),
    ),
    # measures: charts and chart settings
    "measures_chartsettings_unique_team_indicator": (
        "indicator",
        _("Teamet har allerede diagramindstillinger for indikatoren."),
    ),
    "measures_chartsettings_baseline_day_1": ("baseline_end", _("Angiv en måned (den 1. i måneden).")),
    "measures_phasebreak_unique_team_indicator_period": (
        "period",
        _("Der er allerede et faseskift i denne måned."),
    ),
    "measures_phasebreak_period_day_1": ("period", _("Angiv en måned (den 1. i måneden).")),
    "measures_excludedpoint_unique_team_indicator_period": (
        "period",
        _("Punktet for denne måned er allerede udeladt."),
    ),
    "measures_excludedpoint_period_day_1": ("period", _("Angiv en måned (den 1. i måneden).")),
    "measures_chartresult_unique_team": ("team", _("Teamet har allerede et gemt diagram for indikatoren.")),
    "measures_chartresult_unique_region": (
        "region",
        _("Regionen har allerede et gemt diagram for indikatoren."),
    ),
    "measures_chartresult_unique_national": (
        "indicator",
        _("Indikatoren har allerede et gemt nationalt diagram."),
    ),
    "measures_chartresult_scope_matches_owner": (
        "scope",
        _(
            "Et teamdiagram skal have et team, et regionsdiagram en region og et nationalt diagram ingen af dem."
        ),
    ),
    # measures: entry
    "measures_measurement_unique_team_indicator_period": (
        "period",
        _("Der er allerede en værdi for denne indikator og måned."),
    ),
    "measures_measurement_numerator_non_negative": ("numerator", _("Tælleren må ikke være negativ.")),
    "measures_measurement_denominator_positive": ("denominator", _("Nævneren skal være større end 0.")),
    "measures_measurement_period_day_1": ("period", _("Angiv en måned (den 1. i måneden).")),
    "measures_measurement_value_or_nothing_to_report": (
        "numerator",
        _("Angiv tælleren, eller markér “intet at indberette”."),
    ),
    "measures_monthcompletion_unique_team_period": ("period", _("Måneden er allerede markeret som komplet.")),
    "measures_monthcompletion_period_day_1": ("period", _("Angiv en måned (den 1. i måneden).")),
    "measures_monthlock_locked_through_day_1": ("locked_through", _("Angiv en måned (den 1. i måneden).")),
    "measures_remindersent_unique_team_period": (
        "period",
        _("Påmindelsen for denne måned er allerede sendt."),
    ),
    # measures: improvement
    "measures_driverdiagram_one_template": (
        "network",
        _("LKT'et har allerede en skabelon til driverdiagrammet."),
    ),
    "measures_driverdiagram_one_per_team": ("team", _("Teamet har allerede et driverdiagram.")),
    "measures_pdsacycle_end_after_start": ("end_date", _("Slutdatoen kan ikke ligge før startdatoen.")),
    # reports
    "reports_reportsnapshot_team_iff_team_report": (
        "team",
        _("En teamrapport skal have et team, en LKT-rapport ingen."),
    ),
    "reports_reportsnapshot_progress_max_100": ("progress", _("Fremskridtet kan højst være 100 %.")),
    "reports_reportsnapshot_done_has_file": ("file_named", _("En færdig rapport skal have en fil.")),
    # clusters
    "clusters_providermembership_unique_provider_user": (
        "user",
        _("Personen er allerede med hos udbyderen."),
    ),
    "clusters_practice_unique_cluster_code": (
        "code",
        _("En anden praksis i klyngen har allerede denne kode."),
    ),
    "clusters_prescriber_unique_practice_code": (
        "code",
        _("En anden behandler i praksissen har allerede denne kode."),
    ),
    "clusters_clustermembership_unique_cluster_user": ("user", _("Personen er allerede med i klyngen.")),
    "clusters_package_extract_lead_days_positive": ("extract_lead_days", _("Angiv mindst 1 dag.")),
    "clusters_antibioticgroup_unique_provider_code": (
        "code",
        _("Udbyderen har allerede en gruppe med denne kode."),
    ),
    "clusters_meeting_follow_up_has_first": (
        "follows",
        _("Et opfølgende klyngemøde skal følge et første klyngemøde."),
    ),
    "clusters_meeting_first_follows_nothing": (
        "follows",
        _("Et første klyngemøde kan ikke følge et andet møde."),
    ),
    "clusters_discussionanswer_unique_meeting_question": (
        "question_text",
        _("Spørgsmålet er allerede besvaret for mødet."),
    ),
    "clusters_meetinggoal_practice_level_has_practice": (
        "practice",
        _("Et mål for en praksis skal have en praksis."),
    ),
    "clusters_meetinggoal_prescriber_level_has_prescriber": (
        "prescriber",
        _("Et mål for en behandler skal have en behandler."),
    ),
    "clusters_meetinggoal_cluster_level_has_no_unit": (
        "level",
        _("Et mål for hele klyngen har hverken praksis eller behandler."),
    ),
    "clusters_extract_last_after_first": (
        "last_period",
        _("Sidste periode kan ikke ligge før første periode."),
    ),
    "clusters_extractrow_scope_matches_unit": (
        "scope",
        _("Niveauet passer ikke til rækkens praksis eller behandler."),
    ),
    "clusters_extractrow_month_or_quarter": ("period", _("Angiv den første dag i måneden eller kvartalet.")),
    "clusters_extractrow_unique_practice_period_atc": (
        "atc_code",
        _("Datatrækket har allerede en række for praksis, periode og ATC-kode."),
    ),
    "clusters_extractrow_unique_prescriber_period_atc": (
        "atc_code",
        _("Datatrækket har allerede en række for behandler, periode og ATC-kode."),
    ),
    "clusters_extractrow_unique_reference_period_atc": (
        "atc_code",
        _("Datatrækket har allerede en række for niveau, periode og ATC-kode."),
    ),
    # seminars
    "seminars_seminar_ends_after_start": ("ends_at", _("Seminaret skal slutte efter, at det begynder.")),
    "seminars_material_file_or_url": ("file", _("Vælg en fil, eller angiv et link.")),
    "seminars_registration_unique_seminar_user": ("user", _("Personen er allerede tilmeldt seminaret.")),
    "seminars_attendance_unique_seminar_user": ("user", _("Fremmødet for personen er allerede registreret.")),
}


def constraint_message(name: str) -> tuple[str, str] | None:
    """(field, message) for a constraint name, or None when it has none (the test forbids that)."""
    return CONSTRAINT_MESSAGES.get(name)


class HumanConstraintMessages:
    """Model mixin: a violated constraint is reported with its human message, at its field.

    A form shows the message next to the field when the form has it, else above the form (Django
    moves errors of fields the form lacks to the non-field errors).
    """

    def validate_constraints(self, exclude=None):
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict[str, list] = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as exc:
                    known = constraint_message(constraint.name)
                    if known is None:
                        errors = exc.update_error_dict(errors)
                        continue
                    field, message = known
                    if exclude and field in exclude:
                        field = NON_FIELD_ERRORS
                    errors.setdefault(field, []).append(ValidationError(message, code=constraint.name))
        if errors:
            raise ValidationError(errors)
