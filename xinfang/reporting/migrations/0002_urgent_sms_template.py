"""The SMS that tells a 信访局's reviewers of an urgent item at once (editable in the admin)."""

from django.db import migrations

KEY = "report_urgent"
NAME = "紧急信息报送"
TEXT = "【信访】{unit}报送了紧急{kind}，请即登录信访信息系统审核。"


def seed(apps, schema_editor):
    SmsTemplate = apps.get_model("messaging", "SmsTemplate")
    SmsTemplate.objects.get_or_create(key=KEY, defaults={"name": NAME, "text": TEXT})


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_submissions"),
        ("messaging", "0002_seed_sms_templates"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
