"""信息报送: submissions, their immutable versions with the 信访局's decision, and their attachments."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import xinfang.reporting.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("orgs", "0002_seed_roles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Submission",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("bulletin", "工作简报"),
                            ("dynamic", "动态信息"),
                            ("warning", "预警信息"),
                            ("experience", "经验做法"),
                        ],
                        max_length=12,
                        verbose_name="类别",
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="标题")),
                ("body", models.TextField(verbose_name="正文")),
                ("period", models.CharField(max_length=8, verbose_name="报送期")),
                ("period_start", models.DateField(verbose_name="报送期起")),
                ("period_end", models.DateField(verbose_name="报送期止")),
                ("is_urgent", models.BooleanField(default=False, verbose_name="紧急")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "草稿"),
                            ("submitted", "已报送，待审核"),
                            ("adopted", "已采用"),
                            ("returned", "已退回"),
                        ],
                        default="draft",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="起草时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="修改时间")),
                ("version_count", models.PositiveSmallIntegerField(default=0, verbose_name="报送次数")),
                (
                    "first_submitted_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="首次报送时间"),
                ),
                ("submitted_at", models.DateTimeField(blank=True, null=True, verbose_name="报送时间")),
                ("reviewed_at", models.DateTimeField(blank=True, null=True, verbose_name="审核时间")),
                (
                    "adoption_level",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("county", "县级采用"),
                            ("city", "市级采用"),
                            ("province", "省级采用"),
                            ("national", "国家级采用"),
                        ],
                        max_length=10,
                        verbose_name="采用级别",
                    ),
                ),
                ("score", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="得分")),
                ("review_note", models.TextField(blank=True, verbose_name="审核意见")),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="撰稿人",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="审核人",
                    ),
                ),
                (
                    "signer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="签发人",
                    ),
                ),
                (
                    "to_unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="orgs.unit",
                        verbose_name="报送至",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="orgs.unit",
                        verbose_name="报送单位",
                    ),
                ),
            ],
            options={
                "verbose_name": "报送信息",
                "verbose_name_plural": "报送信息",
            },
        ),
        migrations.CreateModel(
            name="SubmissionAttachment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "file",
                    models.FileField(max_length=200, upload_to=xinfang.reporting.models.attachment_path),
                ),
                ("original_name", models.CharField(max_length=200, verbose_name="文件名")),
                ("content_type", models.CharField(max_length=100, verbose_name="类型")),
                ("size", models.PositiveIntegerField(verbose_name="大小")),
                ("sha256", models.CharField(max_length=64)),
                ("uploaded_at", models.DateTimeField(auto_now_add=True, verbose_name="上传时间")),
                ("detached_at", models.DateTimeField(blank=True, null=True, verbose_name="移除时间")),
                (
                    "submission",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="reporting.submission",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "报送附件",
                "verbose_name_plural": "报送附件",
            },
        ),
        migrations.CreateModel(
            name="SubmissionVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveSmallIntegerField(verbose_name="版本")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("bulletin", "工作简报"),
                            ("dynamic", "动态信息"),
                            ("warning", "预警信息"),
                            ("experience", "经验做法"),
                        ],
                        max_length=12,
                        verbose_name="类别",
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="标题")),
                ("body", models.TextField(verbose_name="正文")),
                ("period", models.CharField(max_length=8, verbose_name="报送期")),
                ("is_urgent", models.BooleanField(default=False, verbose_name="紧急")),
                ("submitted_at", models.DateTimeField(verbose_name="报送时间")),
                (
                    "outcome",
                    models.CharField(
                        choices=[("pending", "待审核"), ("adopted", "采用"), ("returned", "退回")],
                        default="pending",
                        max_length=10,
                        verbose_name="审核结果",
                    ),
                ),
                ("reviewed_at", models.DateTimeField(blank=True, null=True, verbose_name="审核时间")),
                (
                    "adoption_level",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("county", "县级采用"),
                            ("city", "市级采用"),
                            ("province", "省级采用"),
                            ("national", "国家级采用"),
                        ],
                        max_length=10,
                        verbose_name="采用级别",
                    ),
                ),
                ("score", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="得分")),
                ("review_note", models.TextField(blank=True, verbose_name="采用说明或退回理由")),
                (
                    "attachments",
                    models.ManyToManyField(
                        blank=True, related_name="versions", to="reporting.submissionattachment"
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="审核人",
                    ),
                ),
                (
                    "signer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="签发人",
                    ),
                ),
                (
                    "submission",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="versions",
                        to="reporting.submission",
                    ),
                ),
                (
                    "submitted_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="报送人",
                    ),
                ),
            ],
            options={
                "verbose_name": "报送版本",
                "verbose_name_plural": "报送版本",
                "ordering": ["submission", "number"],
            },
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(fields=["to_unit", "status", "submitted_at"], name="report_review_queue"),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(fields=["unit", "first_submitted_at"], name="report_unit_submitted"),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(fields=["unit", "updated_at"], name="report_unit_recent"),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(fields=["submitted_at", "id"], name="report_archive"),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(fields=["period_start", "period_end"], name="report_period"),
        ),
        migrations.AddIndex(
            model_name="submissionversion",
            index=models.Index(fields=["outcome", "reviewed_at"], name="report_version_decided"),
        ),
        migrations.AddConstraint(
            model_name="submissionversion",
            constraint=models.UniqueConstraint(fields=("submission", "number"), name="report_version_unique"),
        ),
    ]
