"""Downloads and API: the case gate, masking for 检举控告 (2022 条例 §30 ¶3), the audit trail."""

import json
from urllib.parse import quote

import pytest
from django.template.loader import render_to_string

from conftest import valid_resident_id
from xinfang.common.models import AuditLog
from xinfang.documents.choices import DocKind
from xinfang.documents.selectors import case_documents
from xinfang.documents.services import document_issue
from xinfang.documents.tests.conftest import (
    docx_all_parts,
    docx_text,
    pdf_info,
    pdf_text,
    response_bytes,
)
from xinfang.integrations.auth import api_token_create

IDENTITY = ("张三", "13912345678", valid_resident_id(), "东湖镇1号")
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def bearer(user) -> dict:
    _token, raw = api_token_create(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def url(doc, fmt: str) -> str:
    return f"/cases/{doc.case.number}/documents/{doc.pk}.{fmt}"


def assert_no_identity(text: str) -> None:
    leaked = [value for value in IDENTITY if value in text]
    assert not leaked, f"identity leaked: {leaked}"


def test_it_downloads_both_formats_with_a_chinese_filename(client, register, org):
    case = register()
    doc = document_issue(case=case, kind=DocKind.ACCEPT_NOTICE, unit=org.county, actor=org.dispatcher)
    client.force_login(org.dispatcher)
    response = client.get(url(doc, "docx"))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_MIME
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote(f"受理告知书（{doc.number}）.docx") in disposition
    assert 'filename="document.docx"' in disposition
    assert case.number in docx_text(response_bytes(response))
    response = client.get(url(doc, "pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert case.number in pdf_text(response_bytes(response)).replace("\n", "")
    assert response["Cache-Control"] == "private, no-store"


def test_the_download_renders_and_stores_a_missing_pdf(client, register, org):
    doc = document_issue(case=register(), kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher)
    assert not doc.pdf
    client.force_login(org.dispatcher)
    assert client.get(url(doc, "pdf")).status_code == 200
    doc.refresh_from_db()
    assert doc.pdf.name.endswith(".pdf")


def test_a_user_who_cannot_see_the_case_gets_404(client, register, org):
    doc = document_issue(case=register(), kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher)
    for user in (org.other_registrar, org.police_handler, org.nobody):
        client.force_login(user)
        assert client.get(url(doc, "docx")).status_code == 404
        assert client.get(url(doc, "pdf")).status_code == 404
    client.force_login(org.other_registrar)
    api = client.get(f"/api/v1/cases/{doc.case.number}/documents", **bearer(org.other_registrar))
    assert api.status_code == 404
    assert not AuditLog.objects.filter(action="document_download").exists()


def test_a_paper_of_another_case_is_not_found_through_this_case(client, register, org):
    mine = register()
    other = register()
    doc = document_issue(case=other, kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher)
    client.force_login(org.dispatcher)
    assert client.get(f"/cases/{mine.number}/documents/{doc.pk}.docx").status_code == 404
    assert client.get(f"/cases/{mine.number}/documents/999999.docx").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, register, org):
    doc = document_issue(case=register(), kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher)
    assert client.get(url(doc, "docx")).status_code == 302


def test_every_download_is_audited(client, register, org):
    doc = document_issue(case=register(), kind=DocKind.OPINION, unit=org.county, actor=org.dispatcher)
    client.force_login(org.dispatcher)
    client.get(url(doc, "docx"))
    client.get(f"/api/v1/cases/{doc.case.number}/documents/{doc.pk}/pdf", **bearer(org.dispatcher))
    rows = list(AuditLog.objects.filter(action="document_download").order_by("at", "id"))
    assert [(r.user, r.object_id, r.detail["format"], r.via) for r in rows] == [
        (org.dispatcher, str(doc.pk), "docx", "web"),
        (org.dispatcher, str(doc.pk), "pdf", "api"),
    ]
    assert rows[0].object_type == "documents.casedocument"
    assert rows[0].detail["personal_data"] is True and rows[0].detail["masked"] is False
    assert rows[0].detail["document"] == doc.number and rows[0].ip == "127.0.0.1"


# --- 检举控告: the petitioner's identity --------------------------------------------------------------


def test_a_handling_unit_never_gets_a_whistleblowers_identity(client, protected_case, org):
    doc = document_issue(
        case=protected_case, kind=DocKind.OPINION, unit=org.police, actor=org.police_handler, extra={}
    )
    stored = doc.docx.read()
    assert "张三" in docx_text(stored)  # the stored paper is the real one, for the bureau and the petitioner
    client.force_login(org.police_handler)
    docx = response_bytes(client.get(url(doc, "docx")))
    assert_no_identity(docx_all_parts(docx))
    assert "（依法保密）" in docx_text(docx) and protected_case.number in docx_text(docx)
    pdf = response_bytes(client.get(url(doc, "pdf")))
    assert_no_identity(pdf_text(pdf) + pdf_info(pdf))
    assert protected_case.number in pdf_text(pdf).replace("\n", "")
    doc.refresh_from_db()
    assert not doc.pdf  # a masked copy is rendered on the fly, never stored in place of the real one
    row = AuditLog.objects.filter(action="document_download", user=org.police_handler).first()
    assert row.detail["masked"] is True and row.detail["personal_data"] is False


def test_a_bureau_user_gets_the_whistleblowers_identity(client, protected_case, org):
    doc = document_issue(
        case=protected_case, kind=DocKind.OPINION, unit=org.police, actor=org.police_handler, extra={}
    )
    for user in (org.dispatcher, org.city_leader):
        client.force_login(user)
        text = docx_text(response_bytes(client.get(url(doc, "docx"))))
        assert all(value in text for value in ("张三",)), text
        assert "张三" in pdf_text(response_bytes(client.get(url(doc, "pdf"))))


def test_the_api_masks_list_and_files_for_a_handling_unit(client, protected_case, org):
    doc = document_issue(
        case=protected_case,
        kind=DocKind.SERVICE_RECEIPT,
        unit=org.police,
        actor=org.police_handler,
        extra={"served_document": "处理意见书", "method": "直接送达", "signed": True},
    )
    headers = bearer(org.police_handler)
    base = f"/api/v1/cases/{protected_case.number}/documents"
    listing = client.get(base, **headers)
    assert listing.status_code == 200
    assert_no_identity(json.dumps(listing.json(), ensure_ascii=False))
    assert listing.json()[0]["identity_hidden"] is True and listing.json()[0]["number"] == doc.number
    docx = client.get(f"{base}/{doc.pk}/docx", **headers)
    assert docx.status_code == 200 and docx["Content-Type"] == DOCX_MIME
    assert_no_identity(docx_all_parts(response_bytes(docx)))
    pdf = client.get(f"{base}/{doc.pk}/pdf", **headers)
    assert pdf.status_code == 200
    assert_no_identity(pdf_text(response_bytes(pdf)))
    bureau = bearer(org.dispatcher)
    assert "张三" in docx_text(response_bytes(client.get(f"{base}/{doc.pk}/docx", **bureau)))
    assert client.get(base, **bureau).json()[0]["identity_hidden"] is False


@pytest.mark.parametrize("kind", [DocKind.TRANSFER_SLIP, DocKind.ASSIGN_SLIP, DocKind.COMPLETION_REPORT])
def test_unit_addressed_papers_of_a_protected_case_carry_no_identity_at_all(protected_case, org, kind):
    doc = document_issue(
        case=protected_case, kind=kind, unit=org.county, actor=org.dispatcher, extra={"to_unit": "县公安局"}
    )
    stored = doc.docx.read()
    assert_no_identity(docx_all_parts(stored))
    assert_no_identity(json.dumps(doc.snapshot, ensure_ascii=False) + doc.title + doc.masked_title)
    assert "（依法保密）" in docx_text(stored)
    assert doc.identity_removed


def test_unit_addressed_papers_of_an_ordinary_case_name_the_petitioner(register, org):
    doc = document_issue(case=register(), kind=DocKind.TRANSFER_SLIP, unit=org.county, actor=org.dispatcher)
    text = docx_text(doc.docx.read())
    assert "信访人：张三" in text and "联系电话：13912345678" in text


def test_the_case_page_partial_lists_papers_with_masked_titles(protected_case, org):
    doc = document_issue(
        case=protected_case, kind=DocKind.OPINION, unit=org.police, actor=org.police_handler, extra={}
    )
    documents = case_documents(protected_case)
    hidden = render_to_string(
        "documents/_case_documents.html",
        {"documents": documents, "case": protected_case, "show_identity": False},
    )
    assert "张三" not in hidden and "关于（依法保密）信访事项的处理意见" in hidden
    assert doc.number in hidden and "下载 Word" in hidden and "下载 PDF" in hidden
    assert f"/cases/{protected_case.number}/documents/{doc.pk}.pdf" in hidden
    shown = render_to_string(
        "documents/_case_documents.html",
        {"documents": documents, "case": protected_case, "show_identity": True},
    )
    assert "关于张三信访事项的处理意见" in shown
    empty = render_to_string("documents/_case_documents.html", {"documents": [], "case": protected_case})
    assert "尚未制发文书" in empty
