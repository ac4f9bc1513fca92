"""The SMS of 催办 and 督办 to a unit's contact phone (issue 5 §2), as rows of messaging's SmsTemplate.

Unit-facing: numbers and dates only — never the petitioner or the matter (the case title may name the
accused, 2022 条例 §30 ¶3). Editable in the admin afterwards, like every other notice.
"""

from django.db import migrations

TEMPLATES = [
    (
        "supervision_urge",
        "催办（责任单位）",
        "【信访】催办：{from_unit}催办信访件{number}（第{count}次），请{unit}抓紧办理并及时反馈。",
    ),
    (
        "supervision_opened",
        "督办函（责任单位）",
        "【信访】督办：{from_unit}就信访件{number}发出督办函{doc_number}，请{unit}于{due_on}前书面回复。",
    ),
    (
        "supervision_reminder",
        "督办回复期限提醒（责任单位）",
        "【信访】提醒：督办函{doc_number}（信访件{number}）的书面回复期限为{due_on}，请{unit}按时回复。",
    ),
    (
        "supervision_overdue",
        "督办逾期未回复（责任单位）",
        "【信访】督办逾期：督办函{doc_number}（信访件{number}）的回复期限{due_on}已过，请{unit}立即书面回复。",
    ),
]


def seed(apps, schema_editor):
    SmsTemplate = apps.get_model("messaging", "SmsTemplate")
    for key, name, text in TEMPLATES:
        SmsTemplate.objects.get_or_create(key=key, defaults={"name": name, "text": text})


def unseed(apps, schema_editor):
    SmsTemplate = apps.get_model("messaging", "SmsTemplate")
    SmsTemplate.objects.filter(key__in=[key for key, _name, _text in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("messaging", "0006_deadline_sms_templates"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
