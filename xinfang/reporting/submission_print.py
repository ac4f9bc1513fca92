"""Printable 信息报送: one HTML template for the browser's print view and for the PDF (WeasyPrint with
the Noto CJK fonts, like the official papers in `xinfang.documents`), and a Word copy (python-docx,
the papers' layout).

The text is the version as it was sent (default: the latest sent; a draft prints its working text
marked 草稿). Everything user-written goes through Django's autoescaping, and WeasyPrint is given a
URL fetcher that fetches nothing, so a title like `<img src=…>` stays text and reaches no network.
"""

from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.documents.rendering import DOCX_MIME, PDF_MIME, Block, Rendered, to_docx
from xinfang.reporting.models import Submission, SubmissionVersion
from xinfang.reporting.periods import period_label


@dataclass(frozen=True)
class PrintCopy:
    """What a printed item shows: the item, the version printed (None for an unsent draft), its text."""

    submission: Submission
    version: SubmissionVersion | None
    kind_label: str
    title: str
    body: str
    period_label: str
    is_urgent: bool
    attachments: list
    sent_at: object

    @property
    def paragraphs(self) -> list[str]:
        """One paragraph per line, as Chinese office text is typed (blank lines dropped)."""
        return [line.strip() for line in self.body.splitlines() if line.strip()]


def print_copy(submission: Submission, version: SubmissionVersion | None) -> PrintCopy:
    if version is None:
        return PrintCopy(
            submission=submission,
            version=None,
            kind_label=submission.get_kind_display(),
            title=submission.title,
            body=submission.body,
            period_label=submission.period_label,
            is_urgent=submission.is_urgent,
            attachments=list(submission.attachments.filter(detached_at__isnull=True)),
            sent_at=None,
        )
    return PrintCopy(
        submission=submission,
        version=version,
        kind_label=version.get_kind_display(),
        title=version.title,
        body=version.body,
        period_label=period_label(version.period),
        is_urgent=version.is_urgent,
        attachments=list(version.attachments.all()),
        sent_at=version.submitted_at,
    )


def print_html(copy: PrintCopy, *, for_pdf: bool, request=None) -> str:
    context = {"copy": copy, "for_pdf": for_pdf, "printed_at": timezone.now()}
    return render_to_string("reporting/print.html", context, request=request)


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"external resources are not loaded: {url[:60]}")


def _fetcher():
    """A fetcher that allows no protocol at all (WeasyPrint ≥ 67 class; a plain function before)."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # pragma: no cover - older WeasyPrint
        return _no_fetch
    return URLFetcher(allowed_protocols=())


def to_pdf(copy: PrintCopy) -> bytes:
    from weasyprint import HTML

    return HTML(string=print_html(copy, for_pdf=True), base_url=None, url_fetcher=_fetcher()).write_pdf()


def to_word(copy: PrintCopy) -> bytes:
    """The papers' .docx layout: title, a line naming unit, kind and period, the body, unit and date."""
    sent = timezone.localtime(copy.sent_at) if copy.sent_at else None
    line = " · ".join(filter(None, [copy.submission.unit.name, copy.kind_label, copy.period_label]))
    if copy.is_urgent:
        line = _("【紧急】") + line
    blocks = tuple(Block(text=paragraph, flush=False) for paragraph in copy.paragraphs)
    rendered = Rendered(
        title=copy.title,
        number=line,
        blocks=blocks or (Block(text="", flush=True),),
        unit=copy.submission.unit.name,
        date=f"{sent.year}年{sent.month}月{sent.day}日" if sent else _("（草稿，未报送）"),
    )
    return to_docx(rendered)


def file_name(copy: PrintCopy, extension: str) -> str:
    version = _("第%(n)s次报送") % {"n": copy.version.number} if copy.version else _("草稿")
    safe_title = "".join(ch for ch in copy.title if ch not in '\\/:*?"<>|\r\n\t')[:60]
    return f"{copy.submission.unit.name}-{safe_title}-{version}.{extension}"


def download(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    """A file with its Chinese name (RFC 6266 `filename*`, plus an ASCII fallback), never cached."""
    response = HttpResponse(content, content_type=content_type)
    extension = name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = (
        f"attachment; filename=\"report.{extension}\"; filename*=UTF-8''{quote(name)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


__all__ = ["DOCX_MIME", "PDF_MIME", "download", "file_name", "print_copy", "print_html", "to_pdf", "to_word"]
