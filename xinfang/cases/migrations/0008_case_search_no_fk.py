"""Drop the search table's foreign key to cases_case (PostgreSQL).

The table has no Django model (its column types differ per database), so Django's flush — used
between transactional tests and by `manage.py flush` — truncates cases_case without it, and
PostgreSQL refuses to truncate a table that another one references. Cases are never deleted
(every reference to them is PROTECT), and searches select `pk__in` the ids found, so a stray row
can never surface a case.
"""

from django.db import migrations


def drop_fk(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE cases_case_search DROP CONSTRAINT IF EXISTS cases_case_search_case_id_fkey"
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_case_search")]

    operations = [migrations.RunPython(drop_fk, migrations.RunPython.noop, elidable=False)]
