"""督办函 (issue 5 §2): the new kind of paper and its default wording (domain.md §11)."""

from django.db import migrations, models

from xinfang.documents.defaults import load_default

KIND = "supervision_letter"
KIND_CHOICES = [
    ("accept_notice", "受理告知书"),
    ("not_accept_notice", "不予受理告知书"),
    ("no_longer_notice", "不再受理告知书"),
    ("inform_notice", "告知书"),
    ("transfer_slip", "转送单"),
    ("assign_slip", "交办单"),
    ("extension_notice", "延期告知书"),
    ("opinion", "处理意见书"),
    ("completion_report", "办结报告"),
    ("recheck_opinion", "复查意见书"),
    ("rereview_opinion", "复核意见书"),
    ("service_receipt", "送达回证"),
    ("supervision_letter", "督办函"),
]


def seed(apps, schema_editor):
    DocumentTemplate = apps.get_model("documents", "DocumentTemplate")
    title, body = load_default(KIND)
    DocumentTemplate.objects.get_or_create(kind=KIND, defaults={"title": title, "body": body})


def unseed(apps, schema_editor):
    apps.get_model("documents", "DocumentTemplate").objects.filter(kind=KIND).delete()


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_seed_templates")]

    operations = [
        migrations.AlterField(
            model_name="casedocument",
            name="kind",
            field=models.CharField(choices=KIND_CHOICES, max_length=24, verbose_name="文书种类"),
        ),
        migrations.AlterField(
            model_name="documentseq",
            name="kind",
            field=models.CharField(choices=KIND_CHOICES, max_length=24),
        ),
        migrations.AlterField(
            model_name="documenttemplate",
            name="kind",
            field=models.CharField(choices=KIND_CHOICES, max_length=24, unique=True, verbose_name="文书种类"),
        ),
        migrations.RunPython(seed, unseed),
    ]
