from django.db import migrations

ROLES = [
    ("registrar", "登记员", "登记来信、来访、来电，扫描附件，查看重复信访提示"),
    ("dispatcher", "办信/接访员", "在时限内作出受理、转送、交办、告知等处理"),
    ("handler", "承办员", "签收、异议、受理、调查、答复、送达、报告"),
    ("unit_head", "单位负责人", "审批延期、签发意见书、审核办结报告"),
    ("supervisor", "督办员", "催办、督办、回访、审核办结报告、排查调处台账"),
    ("leader", "领导", "查看统计、通报、考核"),
    ("admin", "系统管理员", "维护单位、用户、角色、时限规则、节假日和分类"),
]


def seed(apps, schema_editor):
    Role = apps.get_model("orgs", "Role")
    for code, name, description in ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name, "description": description})


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
