"""The full-text search table (xinfang/cases/search.py): FTS5 on SQLite, tsvector + GIN on PostgreSQL."""

from django.db import migrations

SQLITE = "CREATE VIRTUAL TABLE IF NOT EXISTS cases_case_fts USING fts5(body, tokenize='unicode61')"
POSTGRES = (
    "CREATE TABLE IF NOT EXISTS cases_case_search ("
    " case_id bigint PRIMARY KEY REFERENCES cases_case (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,"
    " body text NOT NULL,"
    " vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED)",
    "CREATE INDEX IF NOT EXISTS cases_case_search_vector ON cases_case_search USING gin (vector)",
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES:
            schema_editor.execute(statement)
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS cases_case_search")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS cases_case_fts")


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_deadline_scan_marks")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
