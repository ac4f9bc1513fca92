"""Seed the national-2022 and zhejiang-2016 rule sets and the 2004–2026 holiday table (chinesecalendar)."""

from django.db import migrations

from xinfang.deadlines import seeds


def seed(apps, schema_editor):
    seeds.seed_rule_sets(apps.get_model("deadlines", "RuleSet"), apps.get_model("deadlines", "RuleLimit"))
    seeds.seed_holidays(
        apps.get_model("deadlines", "HolidayDay"), apps.get_model("deadlines", "HolidayYear"), 2004, 2026
    )


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
