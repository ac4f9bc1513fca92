"""The deadline scan (issue 5 §1): when each clock was reminded and escalated, and a partial index per stage."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_review_request_online"),
        ("orgs", "0002_seed_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="casedeadline",
            name="escalated_bureau_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="告知信访部门时间"),
        ),
        migrations.AddField(
            model_name="casedeadline",
            name="escalated_head_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="告知单位负责人时间"),
        ),
        migrations.AddField(
            model_name="casedeadline",
            name="reminded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="提醒时间"),
        ),
        migrations.AddIndex(
            model_name="casedeadline",
            index=models.Index(
                condition=models.Q(("is_open", True), ("reminded_at__isnull", True)),
                fields=["due_on"],
                name="deadline_remind_todo",
            ),
        ),
        migrations.AddIndex(
            model_name="casedeadline",
            index=models.Index(
                condition=models.Q(("is_open", True), ("overdue_noted_at__isnull", True)),
                fields=["due_on"],
                name="deadline_overdue_todo",
            ),
        ),
        migrations.AddIndex(
            model_name="casedeadline",
            index=models.Index(
                condition=models.Q(("is_open", True), ("escalated_head_at__isnull", True)),
                fields=["due_on"],
                name="deadline_head_todo",
            ),
        ),
        migrations.AddIndex(
            model_name="casedeadline",
            index=models.Index(
                condition=models.Q(("is_open", True), ("escalated_bureau_at__isnull", True)),
                fields=["due_on"],
                name="deadline_bureau_todo",
            ),
        ),
    ]
