"""Editing templates: seeded defaults, refusal of broken ones (in Chinese), admin preview and reset."""

import pytest
from django.core.exceptions import ValidationError

from xinfang.common.models import AuditLog
from xinfang.documents.choices import DocKind
from xinfang.documents.defaults import load_default
from xinfang.documents.models import DocumentTemplate
from xinfang.documents.rendering import check_template
from xinfang.documents.snapshot import mask_identity, sample_snapshot
from xinfang.documents.tests.conftest import docx_text, pdf_text


@pytest.mark.django_db
def test_every_kind_has_a_seeded_template_that_renders():
    templates = {t.kind: t for t in DocumentTemplate.objects.all()}
    assert set(templates) == set(DocKind.values)
    for kind, template in templates.items():
        assert (template.title, template.body) == load_default(kind)
        template.full_clean()


@pytest.mark.django_db
def test_the_opinion_has_the_official_parts():
    title, body = load_default(DocKind.OPINION)
    assert title.startswith("关于") and title.endswith("信访事项的处理意见")
    for part in ("收悉", "依法受理", "第三十二条", "复查", "30日内"):
        assert part in body


@pytest.mark.parametrize(
    ("title", "body", "field", "words"),
    [
        ("标题", "{% if case.number %}没有结束", "body", "语法错误"),
        ("{{ case.number|nosuchfilter }}", "正文", "title", "语法错误"),
        ("标题", '{% include "secret.html" %}', "body", "无法生成文书"),
        ("{% if False %}x{% endif %}", "正文", "title", "标题为空"),
        ("标题", "{% if False %}x{% endif %}", "body", "正文为空"),
    ],
)
@pytest.mark.django_db
def test_a_broken_template_is_refused_with_a_chinese_message(title, body, field, words):
    template = DocumentTemplate.objects.get(kind=DocKind.OPINION)
    template.title, template.body = title, body
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    messages = error.value.message_dict[field]
    assert any(words in message for message in messages), messages


@pytest.mark.django_db
def test_a_tag_must_close_within_its_paragraph():
    with pytest.raises(ValidationError) as error:
        check_template("标题", "{% if case.number %}第一段\n\n第二段{% endif %}", sample_snapshot("opinion"))
    assert "正文第1段" in error.value.message_dict["body"][0]


def test_masking_replaces_identity_everywhere():
    snapshot = sample_snapshot(DocKind.OPINION)
    snapshot["case"]["title"] = "张某某反映工资问题，电话13900000000"
    masked = mask_identity(snapshot)
    flat = str(masked)
    for value in ("张某某", "13900000000", "990121198001011234", "示范县东湖镇某村1号", "1234567890"):
        assert value not in flat
    assert masked["petitioner"]["name"] == "（依法保密）" and masked["identity_masked"] is True
    assert snapshot["petitioner"]["name"] == "张某某"  # the original is untouched


@pytest.fixture
def admin_client(client, org):
    client.force_login(org.admin)
    return client


def test_the_admin_edits_a_template_and_the_change_is_audited(admin_client, org):
    template = DocumentTemplate.objects.get(kind=DocKind.ACCEPT_NOTICE)
    response = admin_client.post(
        f"/admin/documents/documenttemplate/{template.pk}/change/",
        {"title": "受理告知书（新）", "body": "{{ petitioner.name }}：\n\n已受理。"},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.title == "受理告知书（新）" and template.updated_by == org.admin
    assert AuditLog.objects.filter(action="admin_change", object_id=str(template.pk)).exists()


def test_the_admin_sees_a_broken_template_refused_not_a_500(admin_client):
    template = DocumentTemplate.objects.get(kind=DocKind.OPINION)
    response = admin_client.post(
        f"/admin/documents/documenttemplate/{template.pk}/change/",
        {"title": "标题", "body": "{% for x in %}"},
    )
    assert response.status_code == 200
    assert "模板有语法错误" in response.content.decode()
    template.refresh_from_db()
    assert template.body == load_default(DocKind.OPINION)[1]


def test_the_admin_previews_a_template(admin_client):
    template = DocumentTemplate.objects.get(kind=DocKind.OPINION)
    page = admin_client.get(f"/admin/documents/documenttemplate/{template.pk}/change/").content.decode()
    assert "关于张某某信访事项的处理意见" in page and "下载示例 PDF" in page
    docx = admin_client.get(f"/admin/documents/documenttemplate/{template.pk}/sample.docx")
    assert docx.status_code == 200 and "关于张某某信访事项的处理意见" in docx_text(docx.content)
    pdf = admin_client.get(f"/admin/documents/documenttemplate/{template.pk}/sample.pdf")
    assert pdf.status_code == 200 and "处理意见" in pdf_text(pdf.content)


def test_the_admin_restores_the_default_wording(admin_client, org):
    template = DocumentTemplate.objects.get(kind=DocKind.OPINION)
    template.title, template.body = "改过的标题", "改过的正文"
    template.save()
    response = admin_client.post(
        "/admin/documents/documenttemplate/",
        {"action": "restore_defaults", "_selected_action": [template.pk]},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.title, template.body) == load_default(DocKind.OPINION)
    assert template.updated_by == org.admin
    assert AuditLog.objects.filter(action="admin_change", detail__restored_default=True).exists()


def test_only_staff_reach_the_sample_download(client, org):
    template = DocumentTemplate.objects.get(kind=DocKind.OPINION)
    client.force_login(org.dispatcher)
    response = client.get(f"/admin/documents/documenttemplate/{template.pk}/sample.pdf")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
