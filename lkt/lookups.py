"""`field__any=values`: membership in a list, sent as one array parameter on PostgreSQL.

Django's `__in` writes one placeholder per value and prepares every value in Python, and psycopg
parses the long statement again each time (its cache keeps only short ones). For the hundreds of
ids of a chart batch that is Python time spent on every query: with 200 ids, a query selecting two
columns took 2.4-2.6 ms of CPU with `__in` and 1.6-1.8 ms with `__any` (same wall time: the
database's share is the same). `= ANY(%s)` is one parameter and a short, cached statement.
"""

from __future__ import annotations

from django.db.models import Field, ForeignObject, Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    """`team_id__any=[1, 2, 3]`: `team_id = ANY('{1,2,3}')` on PostgreSQL, `IN (...)` elsewhere.

    The values are used as they are (ints, dates, strings the column takes), not prepared one by
    one: pass what the column holds.
    """

    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self) -> list:
        return list(self.rhs)

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return compiler.compile(In(self.lhs, self.rhs))
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, self.rhs)


Field.register_lookup(AnyOf)
# Foreign keys keep their own lookups (the related ones), so they get it as well: `team_id__any`.
ForeignObject.register_lookup(AnyOf)
