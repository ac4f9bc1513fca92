"""The deadline scan's SMS to a unit's contact phone (issue 5 §1): reminder, overdue, escalation.

Unit-facing: the case number, the step and the dates only — never the petitioner or the matter.
"""

from django.db import migrations

TEMPLATES = [
    (
        "deadline_reminder",
        "期限提醒（责任单位）",
        "【信访】期限提醒：信访件{number}的{step}将于{due_on}期满，请贵单位按期办理。",
    ),
    (
        "deadline_overdue",
        "已超期（责任单位）",
        "【信访】超期提示：信访件{number}的{step}已于{due_on}期满，尚未办结，请贵单位抓紧办理。",
    ),
    (
        "deadline_escalated",
        "超期督促（责任单位）",
        "【信访】超期督促：信访件{number}的{step}已于{due_on}期满，超期{overdue_days}日仍未办结，已告知{whom}。请贵单位立即办理。",
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
    dependencies = [("messaging", "0005_notification")]
    operations = [migrations.RunPython(seed, unseed)]
