"""The outbound notices' default wording (editable in the admin afterwards)."""

from django.db import migrations

TEMPLATES = [
    (
        "message_received",
        "收到来信",
        "【信访】您的来信已收到，编号{number}，查询码{query_code}。我们将于{due_on}前答复，可凭编号和查询码在网上查询进度。回复TD退订",
    ),
    (
        "message_answered",
        "来信已答复",
        "【信访】您编号{number}的来信已答复，请凭编号和查询码在网上查看。回复TD退订",
    ),
    (
        "message_converted",
        "来信已转为信访件",
        "【信访】您编号{number}的来信已按信访事项登记办理，信访件编号{case_number}。回复TD退订",
    ),
    (
        "case_registered",
        "信访件已登记",
        "【信访】您的信访事项已登记，编号{number}，查询码{query_code}，可凭此查询办理进度。回复TD退订",
    ),
    (
        "case_accepted",
        "信访件已受理",
        "【信访】您编号{number}的信访事项已由{unit}受理，将于{due_on}前出具处理意见。回复TD退订",
    ),
    (
        "opinion_served",
        "处理意见已送达",
        "【信访】您编号{number}的信访事项处理意见已送达。如不服，可于{review_until}前申请复查。回复TD退订",
    ),
    (
        "evaluation_invite",
        "邀请评价",
        "【信访】请对编号{number}信访事项的办理情况进行评价（满意/基本满意/不满意），评价截止{until}。回复TD退订",
    ),
    (
        "review_deadline",
        "复查复核期限提醒",
        "【信访】提醒：编号{number}信访事项申请{what}的期限至{until}。回复TD退订",
    ),
]


def seed(apps, schema_editor):
    SmsTemplate = apps.get_model("messaging", "SmsTemplate")
    for key, name, text in TEMPLATES:
        SmsTemplate.objects.get_or_create(key=key, defaults={"name": name, "text": text})


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
