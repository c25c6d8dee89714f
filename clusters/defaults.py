"""Default antibiotic groups a new provider starts with (the provider edits them afterwards).

Each extract row belongs to the group with the longest matching ATC prefix, so penicillin V (J01CE02)
is its own group and the other J01CE codes fall in "Øvrige betalaktamasefølsomme penicilliner";
rows that match no group are "Øvrige antibiotika". Critically important by default: fluoroquinolones,
cephalosporins and carbapenems (the issue's and the Danish national action plan's list).
"""

from django.utils.translation import gettext_noop

# (code, name, ATC prefixes, critically important, narrow-spectrum penicillin)
DEFAULT_GROUPS: list[tuple[str, str, str, bool, bool]] = [
    ("J01CE02", gettext_noop("Penicillin V (smalspektret)"), "J01CE02", False, True),
    ("J01CE", gettext_noop("Øvrige betalaktamasefølsomme penicilliner"), "J01CE", False, False),
    ("J01CA", gettext_noop("Bredspektrede penicilliner"), "J01CA,J01CR", False, False),
    ("J01FA", gettext_noop("Makrolider"), "J01FA", False, False),
    ("J01MA", gettext_noop("Fluorquinoloner"), "J01MA", True, False),
    ("J01DB-DE", gettext_noop("Cefalosporiner"), "J01DB,J01DC,J01DD,J01DE", True, False),
    ("J01DH", gettext_noop("Carbapenemer"), "J01DH", True, False),
]
