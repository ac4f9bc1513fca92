"""信箱审查: indexes for the 已处理 list and a look-up by the sender's name; the merge notice's wording."""

from django.conf import settings
from django.db import migrations, models

TEMPLATES = [
    (
        "message_merged",
        "来信已并入信访件",
        "【信访】您编号{number}的来信反映的问题已并入信访件{case_number}一并办理。回复TD退订",
    ),
]


def seed(apps, schema_editor):
    SmsTemplate = apps.get_model("messaging", "SmsTemplate")
    for key, name, text in TEMPLATES:
        SmsTemplate.objects.get_or_create(key=key, defaults={"name": name, "text": text})


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_review_request_online"),
        ("messaging", "0003_publication"),
        ("orgs", "0002_seed_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="inboundmessage",
            index=models.Index(fields=["screening_unit", "handled_at", "id"], name="message_handled"),
        ),
        migrations.AddIndex(
            model_name="inboundmessage",
            index=models.Index(fields=["screening_unit", "name"], name="message_sender_name"),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
