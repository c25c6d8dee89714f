from django.db import migrations


def _set_compression(method: str):
    def apply(apps, schema_editor) -> None:
        # PostgreSQL only, and only where the server was built with lz4 (14+; the Debian and Docker
        # images are); SQLite has no TOAST.
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND %s = ANY(enumvals)",
                [method],
            )
            if cursor.fetchone() is None:
                return
            cursor.execute(f"ALTER TABLE measures_chartresult ALTER COLUMN data SET COMPRESSION {method}")

    return apply


class Migration(migrations.Migration):
    """ChartResult.data compressed with lz4 instead of pglz: a full recompute rewrites every ~12 KB
    document, and pglz's compression was a third of the UPDATE's time. Existing values keep their
    compression until they are next written; reads decompress either."""

    dependencies = [("measures", "0013_team_deletions")]

    operations = [migrations.RunPython(_set_compression("lz4"), _set_compression("pglz"))]
