"""The public portal's pages (issue 4 §1): no login, every answer in Chinese, nothing personal on view
except to the holder of a number and its 查询码."""

from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.cases.workflow import ActionConflict
from xinfang.common.services import audit_record
from xinfang.documents.choices import DocKind
from xinfang.documents.rendering import DOCX_MIME, PDF_MIME
from xinfang.documents.services import document_render
from xinfang.messaging.choices import Source
from xinfang.messaging.models import InboundMessage, Publication
from xinfang.portal.forms import EvaluationForm, LetterForm, ReviewForm, SearchForm, TrackForm
from xinfang.portal.http import (
    DONE_KEY,
    client_ip,
    forget,
    frame_policy,
    holder_from_session,
    remember,
)
from xinfang.portal.limits import RateLimited
from xinfang.portal.selectors import (
    holder_progress,
    petitioner_document,
    portal_identity,
    publication_get,
    publication_search,
    publications_public,
)
from xinfang.portal.services import (
    LookupFailed,
    captcha_issue,
    holder_lookup,
    letter_submit,
    portal_evaluate,
    portal_review_request,
)

WIDGET_ITEMS = 5


def _render(request, template: str, context: dict | None = None, *, status: int = 200, private=False):
    response = render(request, template, {"portal": portal_identity(), **(context or {})}, status=status)
    if private:  # number, 查询码 or the holder's progress: never kept by a shared cache or the browser
        response["Cache-Control"] = "private, no-store"
    return response


def _too_many(response, exc: RateLimited):
    response["Retry-After"] = str(exc.retry_after)
    return response


@frame_policy()
@require_GET
def home(request):
    return _render(request, "portal/home.html")


# --- 写信 and 在线咨询 ------------------------------------------------------------------------------


@frame_policy()
@require_http_methods(["GET", "POST"])
def write(request):
    return _letter(request, source=Source.MAILBOX)


@frame_policy()
@require_http_methods(["GET", "POST"])
def consult(request):
    return _letter(request, source=Source.CONSULT)


def _letter(request, *, source: str):
    """Show the form; on POST check it, then the captcha and limits (`letter_submit`), then thank."""
    consult = source == Source.CONSULT
    template = "portal/consult.html" if consult else "portal/write.html"
    status, banner, limited = 200, "", None
    if request.method == "GET":
        form = LetterForm(consult=consult)
    elif "refresh_captcha" in request.POST:  # "换一张" without JavaScript: keep what was typed
        form = LetterForm(initial=request.POST.dict(), consult=consult)
    else:
        form = LetterForm(request.POST, request.FILES, consult=consult)
        status = 400
        if form.is_valid():
            try:
                submitted = letter_submit(
                    source=source,
                    captcha_id=form.cleaned_data["captcha_id"],
                    captcha_answer=form.cleaned_data["captcha"],
                    ip=client_ip(request),
                    fields=form.letter_fields(),
                    attachments=form.cleaned_data["attachments"],
                )
            except RateLimited as exc:
                status, banner, limited = 429, exc.message, exc
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                message = submitted.message
                request.session[DONE_KEY] = message.number
                remember(request, message.number, message.query_code)
                return redirect("portal:write-done")
    captcha, captcha_banner = _new_captcha(request)
    if form.is_bound:  # the answer typed for the old image is of no use: a new image, an empty box
        form.data = form.data.copy()
        form.data["captcha"], form.data["captcha_id"] = "", captcha.id if captcha else ""
    else:
        form.initial["captcha"], form.initial["captcha_id"] = "", captcha.id if captcha else ""
    context = {"form": form, "captcha": captcha, "banner": banner or captcha_banner, "consult": consult}
    response = _render(request, template, context, status=status if not captcha_banner else 429)
    return _too_many(response, limited) if limited else response


def _new_captcha(request):
    try:
        return captcha_issue(ip=client_ip(request)), ""
    except RateLimited as exc:
        return None, exc.message


def _add_errors(form, exc: ValidationError) -> None:
    """The service's field errors onto the form's fields (unknown fields: at the top)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@frame_policy()
@require_GET
def write_done(request):
    number = request.session.get(DONE_KEY)
    message = InboundMessage.objects.filter(number=number).first() if number else None
    if message is None:
        return redirect("portal:write")
    sms = message.sms_messages.order_by("id").first()
    return _render(request, "portal/done.html", {"message": message, "sms": sms}, private=True)


@frame_policy()
@require_GET
def captcha_refresh(request):
    """A new captcha for the "换一张" button: its id and image (a data: URI), as JSON."""
    try:
        captcha = captcha_issue(ip=client_ip(request))
    except RateLimited as exc:
        return _too_many(JsonResponse({"detail": exc.message}, status=429), exc)
    response = JsonResponse({"id": captcha.id, "image": captcha.data_uri})
    response["Cache-Control"] = "no-store"
    return response


# --- 进度查询, evaluation and 复查/复核 -----------------------------------------------------------------


@frame_policy()
@require_http_methods(["GET", "POST"])
def track(request):
    form = TrackForm(request.POST or None, initial={"number": request.GET.get("number", "")[:24]})
    status, limited = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                holder = holder_lookup(
                    number=form.cleaned_data["number"], code=form.cleaned_data["code"], ip=client_ip(request)
                )
            except RateLimited as exc:
                status, limited = 429, exc
                form.add_error(None, exc.message)
            except LookupFailed as exc:
                status = 404
                form.add_error(None, str(exc))
            else:
                remember(request, holder.number, holder.code)
                return redirect("portal:track-detail", number=holder.number)
    response = _render(request, "portal/track.html", {"form": form}, status=status)
    return _too_many(response, limited) if limited else response


def _holder_or_redirect(request, number: str):
    holder = holder_from_session(request, number)
    if holder is None:
        return None, redirect(f"{reverse('portal:track')}?{urlencode({'number': number[:24]})}")
    return holder, None


def _progress_page(request, holder, *, status=200, evaluation_form=None, review_form=None, banner=""):
    progress = holder_progress(holder)
    context = {
        "progress": progress,
        "evaluation_form": evaluation_form,
        "review_form": review_form or ReviewForm(),
        "banner": banner,
    }
    return _render(request, "portal/progress.html", context, status=status, private=True)


@frame_policy()
@require_GET
def track_detail(request, number: str):
    holder, bounce = _holder_or_redirect(request, number)
    if bounce:
        return bounce
    return _progress_page(request, holder)


@frame_policy()
@require_POST
def track_evaluate(request, number: str):
    holder, bounce = _holder_or_redirect(request, number)
    if bounce:
        return bounce
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        return _progress_page(request, holder, status=400, evaluation_form=form)
    try:
        portal_evaluate(holder=holder, **form.cleaned_data)
    except ValidationError as exc:
        status = 409 if isinstance(exc, ActionConflict) else 400
        return _progress_page(request, holder, status=status, banner=" ".join(exc.messages))
    messages.success(request, _("感谢您的评价，已记录。"))
    return redirect("portal:track-detail", number=holder.number)


@frame_policy()
@require_POST
def track_review(request, number: str):
    holder, bounce = _holder_or_redirect(request, number)
    if bounce:
        return bounce
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _progress_page(request, holder, status=400, review_form=form)
    try:
        portal_review_request(holder=holder, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        status = 409 if isinstance(exc, ActionConflict) else 400
        return _progress_page(request, holder, status=status, review_form=form, banner=" ".join(exc.messages))
    messages.success(request, _("您的申请已提交，复查（复核）机关将依法办理并书面答复您。"))
    return redirect("portal:track-detail", number=holder.number)


@frame_policy()
@require_GET
def track_document(request, number: str, document_id: int, fmt: str):
    """One paper addressed to the petitioner, rendered for them with their own data (audited)."""
    holder = holder_from_session(request, number)
    document = petitioner_document(holder, document_id) if holder else None
    if document is None:
        raise Http404(_("文书不存在或无权查看。"))
    content = document_render(document, fmt=fmt, masked=False)
    audit_record(
        user=None,
        action="document_download",
        obj=document,
        detail={
            "number": document.case.number,
            "document": document.number,
            "format": fmt,
            "by": "petitioner",
        },
        request=request,
        via="portal",
    )
    response = HttpResponse(content, content_type=PDF_MIME if fmt == "pdf" else DOCX_MIME)
    filename = f"{DocKind(document.kind).label}（{document.number}）.{fmt}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"document.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@frame_policy()
@require_POST
def track_forget(request):
    forget(request)
    messages.success(request, _("已退出查询。"))
    return redirect("portal:track")


# --- FAQ, 公开回复 and the widget --------------------------------------------------------------------


def _publications(request, *, kind: str, template: str):
    search = SearchForm(request.GET)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    page, text = publication_search(kind=kind, text=text, page=request.GET.get("page") or 1)
    return _render(request, template, {"page": page, "q": text, "search": search})


@frame_policy()
@require_GET
def faq(request):
    return _publications(request, kind=Publication.Kind.FAQ, template="portal/faq.html")


@frame_policy()
@require_GET
def replies(request):
    return _publications(request, kind=Publication.Kind.REPLY, template="portal/replies.html")


@frame_policy()
@require_GET
def reply_detail(request, pk: int):
    publication = publication_get(kind=Publication.Kind.REPLY, pk=pk)
    if publication is None:
        raise Http404(_("该回复不存在或已撤回。"))
    return _render(request, "portal/reply.html", {"publication": publication})


@xframe_options_exempt
@frame_policy(embeddable=True)
@require_GET
def widget(request):
    """The latest replies for an <iframe> on the county's portal (frame-ancestors: PORTAL_FRAME_ANCESTORS)."""
    items = list(publications_public(Publication.Kind.REPLY)[:WIDGET_ITEMS])
    return _render(request, "portal/widget.html", {"items": items})
