"""Seed one template per kind of paper from xinfang/documents/defaults/<kind>.txt (domain.md §11)."""

from django.db import migrations

from xinfang.documents.defaults import DIRECTORY, load_default


def seed(apps, schema_editor):
    DocumentTemplate = apps.get_model("documents", "DocumentTemplate")
    for path in sorted(DIRECTORY.glob("*.txt")):
        title, body = load_default(path.stem)
        DocumentTemplate.objects.get_or_create(kind=path.stem, defaults={"title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
