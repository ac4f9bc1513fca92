"""Issuing papers, rendering them and handing them out (style.md §2, §7)."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.access import can_see_identity
from xinfang.common.services import audit_record
from xinfang.documents.choices import NUMBER_ABBR, UNIT_ADDRESSED_KINDS, DocKind
from xinfang.documents.defaults import load_default
from xinfang.documents.models import CaseDocument, DocumentSeq, DocumentTemplate, document_path
from xinfang.documents.rendering import DOCX_MIME, PDF_MIME, render_document, render_title, to_docx, to_pdf
from xinfang.documents.snapshot import case_snapshot, mask_identity, sample_snapshot


def template_for(kind: str) -> tuple[str, str]:
    """The administrator's wording of `kind`, or the shipped default if none is stored."""
    stored = DocumentTemplate.objects.filter(kind=kind).values_list("title", "body").first()
    return stored if stored is not None else load_default(kind)


def document_serial_next(*, unit, kind: str, year: int) -> int:
    """The next serial of `kind` for `unit` in `year`, gap-free.

    Bumped under a row lock inside the caller's transaction: a rolled-back step gives its serial back,
    and concurrent issuers queue on the lock (no gaps, no repeats).
    """
    DocumentSeq.objects.bulk_create(
        [DocumentSeq(unit=unit, kind=kind, year=year, last=0)], ignore_conflicts=True
    )
    seq = DocumentSeq.objects.select_for_update().get(unit=unit, kind=kind, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return seq.last


def document_number_format(*, unit, kind: str, year: int, serial: int) -> str:
    """e.g. 示范县信访局信受〔2026〕3号 (the unit's short name when it has one)."""
    return f"{unit.short_name or unit.name}信{NUMBER_ABBR[kind]}〔{year}〕{serial}号"


def _check_kind(kind: str) -> str:
    if kind not in DocKind.values:
        raise ValidationError(_("未知的文书种类：%(kind)s") % {"kind": kind}, code="unknown_kind")
    return kind


@transaction.atomic
def document_issue(*, case, kind: str, unit, actor, extra: dict | None = None) -> CaseDocument:
    """Number, fill, render (.docx now, in the caller's transaction) and store one document.

    1. check the kind and read its template; 2. take the next serial of unit × kind × year under a
    row lock; 3. build the snapshot from the case and `extra` (for a 检举控告 case, papers addressed
    to a unit carry no identity at all, 2022 条例 §30 ¶3); 4. render and store the .docx with the
    row; 5. after commit, the worker renders the PDF.
    A template that fails here raises ValidationError, which rolls the step (and the serial) back.
    """
    _check_kind(kind)
    title_template, body_template = template_for(kind)
    issued_on = timezone.localdate()
    serial = document_serial_next(unit=unit, kind=kind, year=issued_on.year)
    number = document_number_format(unit=unit, kind=kind, year=issued_on.year, serial=serial)
    snapshot = case_snapshot(
        case=case, kind=kind, unit=unit, number=number, issued_on=issued_on, serial=serial, extra=extra
    )
    if case.protects_identity and kind in UNIT_ADDRESSED_KINDS:
        snapshot = mask_identity(snapshot)
    rendered = render_document(title_template, body_template, snapshot)
    document = CaseDocument(
        case=case,
        kind=kind,
        number=number,
        unit=unit,
        year=issued_on.year,
        serial=serial,
        title=rendered.title[:300],
        masked_title=render_title(title_template, mask_identity(snapshot))[:300],
        snapshot=snapshot,
        title_template=title_template,
        body_template=body_template,
        created_by=actor,
    )
    document.docx.save("document.docx", ContentFile(to_docx(rendered)), save=False)
    document.save()
    transaction.on_commit(lambda: _enqueue_pdf(document.pk))
    return document


def _enqueue_pdf(document_id: int) -> None:
    from xinfang.documents.tasks import render_document_pdf

    render_document_pdf.enqueue(document_id)


def document_render(document: CaseDocument, *, fmt: str, masked: bool = False) -> bytes:
    """Render one format from the stored snapshot and wording (masked: identity replaced)."""
    snapshot = mask_identity(document.snapshot) if masked else document.snapshot
    rendered = render_document(document.title_template, document.body_template, snapshot)
    return to_pdf(rendered) if fmt == "pdf" else to_docx(rendered)


def document_pdf_ensure(document: CaseDocument) -> CaseDocument:
    """Render and store the PDF once; safe when the worker and a download race for it.

    The file is written first, then claimed with a conditional UPDATE (pdf still empty): the loser
    removes its copy and reads the winner's name.
    """
    if document.pdf:
        return document
    content = to_pdf(render_document(document.title_template, document.body_template, document.snapshot))
    name = default_storage.save(document_path(document, "document.pdf"), ContentFile(content))
    claimed = CaseDocument.objects.filter(pk=document.pk, pdf="").update(pdf=name)
    if not claimed:
        default_storage.delete(name)
    document.pdf = CaseDocument.objects.values_list("pdf", flat=True).get(pk=document.pk)
    return document


def identity_hidden_from(user, document: CaseDocument) -> bool:
    """Whether this user must get a copy without the petitioner's identity (2022 条例 §30 ¶3, §46(五)).

    Papers whose stored files already carry no identity need no second masking.
    """
    if document.identity_removed:
        return False
    return not can_see_identity(user, document.case)


def has_personal_data(document: CaseDocument, *, masked: bool) -> bool:
    return not masked and not document.identity_removed and bool(document.snapshot.get("petitioners"))


@dataclass(frozen=True)
class Delivery:
    content: bytes | None  # rendered on the fly
    file: object | None  # or the stored file, opened
    filename: str
    content_type: str
    masked: bool


def document_deliver(*, user, document: CaseDocument, fmt: str, request=None, via: str = "web") -> Delivery:
    """One download: the stored file, or a masked copy rendered on the fly; always audited.

    1. decide whether identity must be hidden from this user; 2. masked: render from the snapshot
    and never touch the stored file; otherwise make sure the PDF exists (rendering it now if the
    worker has not yet) and open the stored file; 3. write the audit row.
    """
    masked = identity_hidden_from(user, document)
    content, file = None, None
    if masked:
        content = document_render(document, fmt=fmt, masked=True)
    elif fmt == "pdf":
        file = document_pdf_ensure(document).pdf.open("rb")
    else:
        file = document.docx.open("rb")
    audit_record(
        user=user,
        action="document_download",
        obj=document,
        detail={
            "number": document.case.number,
            "document": document.number,
            "kind": document.kind,
            "format": fmt,
            "masked": masked,
            "personal_data": has_personal_data(document, masked=masked),
        },
        request=request,
        via=via,
    )
    return Delivery(
        content=content,
        file=file,
        filename=f"{DocKind(document.kind).label}（{document.number}）.{fmt}",
        content_type=PDF_MIME if fmt == "pdf" else DOCX_MIME,
        masked=masked,
    )


def template_sample(*, kind: str, title: str, body: str, fmt: str) -> bytes:
    """The admin's preview: a template rendered with made-up data."""
    rendered = render_document(title, body, sample_snapshot(_check_kind(kind)))
    return to_pdf(rendered) if fmt == "pdf" else to_docx(rendered)


def template_restore_default(*, template: DocumentTemplate, actor) -> DocumentTemplate:
    template.title, template.body = load_default(template.kind)
    template.updated_by = actor
    template.save()
    return template
