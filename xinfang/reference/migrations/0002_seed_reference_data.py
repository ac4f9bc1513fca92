"""Channels, purposes, ID types and the content taxonomy (domain.md §8)."""

import datetime

from django.db import migrations

CHANNELS = [
    # code, name, is_online, staff_can_register
    ("letter", "来信", False, True),
    ("visit", "来访", False, True),
    ("call", "来电", False, True),
    ("web", "网上信访/县长信箱", True, True),
    ("consult", "在线咨询", True, True),
    ("sms", "短信", True, True),
    ("forum", "论坛", True, True),
    ("fax", "传真", False, True),
]

PURPOSES = [
    ("suggestion", "建议意见", False),
    ("accusation", "检举控告", True),
    ("claim", "申诉求决", False),
    ("consult", "咨询", False),
]

ID_TYPES = [
    ("resident", "居民身份证"),
    ("passport", "护照"),
    ("hk_macao", "港澳居民来往内地通行证"),
    ("taiwan", "台湾居民来往大陆通行证"),
    ("foreign_pr", "外国人永久居留身份证"),
    ("other", "其他证件"),
]

# The newer first-level list (domain.md §8), with a few second-level classes to start from;
# the second level is edited by the administrator.
NEW_CATEGORIES = [
    ("01", "城乡建设", ["拆迁安置", "物业管理", "住房保障", "市政设施", "违章建筑"]),
    ("02", "农村农业", ["土地承包", "宅基地", "村务管理", "农业补贴"]),
    ("03", "劳动和社会保障", ["拖欠工资", "社会保险", "劳动关系", "医疗保险"]),
    ("04", "自然资源", ["土地征收", "矿产资源", "林业管理"]),
    ("05", "生态环境", ["噪声污染", "大气污染", "水污染", "固体废物"]),
    ("06", "交通运输", ["道路建设", "公共交通", "交通安全"]),
    ("07", "卫生健康", ["医疗纠纷", "医疗服务", "公共卫生"]),
    ("08", "教育", ["入学招生", "教师管理", "校园安全"]),
    ("09", "文体旅游", ["文化市场", "体育设施", "旅游服务"]),
    ("10", "经济管理", ["企业经营", "财政金融", "国有资产"]),
    ("11", "市场监督", ["食品安全", "消费维权", "价格监管"]),
    ("12", "民政与应急", ["最低生活保障", "社会救助", "安全生产"]),
    ("13", "科技与信息产业", ["通信网络", "科技管理"]),
    ("14", "党务政务", ["政务服务", "作风建设"]),
    ("15", "组织人事", ["干部任用", "人事待遇"]),
    ("16", "纪检监察", ["违纪违法", "作风问题"]),
    ("17", "政法", ["治安管理", "诉讼案件", "司法行政"]),
    ("18", "军队事务", ["退役军人", "优抚安置"]),
    ("19", "房产物业", ["商品房", "房屋产权"]),
    ("99", "其他", []),
]

# The older 18-class list and where each class goes in the newer list.
OLD_CATEGORIES = [
    ("A01", "政治综合", ["党务政务"]),
    ("A02", "经济综合", ["经济管理"]),
    ("A03", "宣传舆论", ["党务政务"]),
    ("A04", "纪检监察", ["纪检监察"]),
    ("A05", "政法", ["政法"]),
    ("A06", "劳动社保", ["劳动和社会保障"]),
    ("A07", "教育", ["教育"]),
    ("A08", "卫生计生", ["卫生健康"]),
    ("A09", "科技文体", ["文体旅游", "科技与信息产业"]),
    ("A10", "组织人事", ["组织人事"]),
    ("A11", "交通能源环保", ["交通运输", "生态环境"]),
    ("A12", "民政", ["民政与应急"]),
    ("A13", "农村农业", ["农村农业"]),
    ("A14", "国土资源水利林业", ["自然资源"]),
    ("A15", "城乡建设", ["城乡建设"]),
    ("A16", "信息产业", ["科技与信息产业"]),
    ("A17", "商贸旅游", ["文体旅游", "市场监督"]),
    ("A18", "其他", ["其他"]),
]


def seed(apps, schema_editor):
    Channel = apps.get_model("reference", "Channel")
    Purpose = apps.get_model("reference", "Purpose")
    IdType = apps.get_model("reference", "IdType")
    Version = apps.get_model("reference", "CategoryVersion")
    Category = apps.get_model("reference", "Category")
    Mapping = apps.get_model("reference", "CategoryMapping")
    for order, (code, name, online, staff) in enumerate(CHANNELS):
        Channel.objects.update_or_create(
            code=code,
            defaults={"name": name, "is_online": online, "staff_can_register": staff, "sort_order": order},
        )
    for order, (code, name, protects) in enumerate(PURPOSES):
        Purpose.objects.update_or_create(
            code=code, defaults={"name": name, "protects_identity": protects, "sort_order": order}
        )
    for order, (code, name) in enumerate(ID_TYPES):
        IdType.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})

    old, _ = Version.objects.get_or_create(
        code="legacy-18", defaults={"name": "旧版内容分类（18类）", "valid_from": datetime.date(2005, 5, 1)}
    )
    new, _ = Version.objects.get_or_create(
        code="2018",
        defaults={
            "name": "内容分类（2018年后）",
            "valid_from": datetime.date(2018, 1, 1),
            "is_current": True,
        },
    )
    by_name = {}
    for order, (code, name, children) in enumerate(NEW_CATEGORIES):
        top, _ = Category.objects.get_or_create(
            version=new, code=code, defaults={"name": name, "sort_order": order}
        )
        by_name[name] = top
        for child_order, child in enumerate(children, start=1):
            Category.objects.get_or_create(
                version=new,
                code=f"{code}{child_order:02d}",
                defaults={"name": child, "parent": top, "sort_order": child_order},
            )
    for order, (code, name, targets) in enumerate(OLD_CATEGORIES):
        legacy, _ = Category.objects.get_or_create(
            version=old, code=code, defaults={"name": name, "sort_order": order}
        )
        for target in targets:
            Mapping.objects.get_or_create(old=legacy, new=by_name[target])


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
