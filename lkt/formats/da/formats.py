# Danish formats on top of Django's: months as the glossary writes them ("nov. 2026").
YEAR_MONTH_FORMAT = "b. Y"
