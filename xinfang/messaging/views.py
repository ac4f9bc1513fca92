"""信箱审查 pages: the queue, one message with its four possible decisions, and the public answers.

Thin views (style.md §10): the gate (`get_message_for_user`, 404 alike for missing and forbidden), the
form, the service, a message. Every page that shows a sender's personal data writes an audit row.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.common.files import audited_attachment_response
from xinfang.common.paging import IdFirstPaginator
from xinfang.common.services import audit_record
from xinfang.intake.services import registration_units
from xinfang.messaging.choices import MessageKind, ScreeningStatus, Source
from xinfang.messaging.forms import ACTION_FORMS, PublicationForm, WithdrawForm
from xinfang.messaging.models import InboundMessage, Publication
from xinfang.messaging.screening import (
    AlreadyHandled,
    message_answer,
    message_convert,
    message_mark_spam,
    message_merge,
    publication_approve,
    publication_draft_faq,
    publication_draft_reply,
    publication_withdraw,
    reply_refusal,
)
from xinfang.messaging.screening_selectors import (
    TABS,
    approving_units,
    awaiting_count,
    can_approve,
    get_message_attachment_for_user,
    get_message_for_user,
    get_publication_for_user,
    message_search,
    publication_list,
    queue_counts,
    queue_messages,
    reply_candidates,
    screening_units,
    served_opinion_text,
)

ACTION_LABELS = {
    "answer": gettext_lazy("直接答复"),
    "convert": gettext_lazy("转为信访件"),
    "merge": gettext_lazy("并入已有信访件"),
    "spam": gettext_lazy("无效信息"),
}
ACTION_HINTS = {
    "answer": gettext_lazy("咨询或简单问题：直接答复来信人，短信通知。"),
    "convert": gettext_lazy("反映的是需要办理的信访事项：登记为信访件，进入办理流程并开始计时。"),
    "merge": gettext_lazy("与已登记的信访件是同一事项：并入该件，在该件上记录。"),
    "spam": gettext_lazy("广告、辱骂、无实际内容：记录理由，不通知发信人。留言不会被删除。"),
}
SERVICES = {
    "answer": message_answer,
    "convert": message_convert,
    "merge": message_merge,
    "spam": message_mark_spam,
}


def _not_a_screener(request):
    return render(request, "messaging/not_screener.html", status=403)


@login_required
@require_GET
def queue(request):
    units = screening_units(request.user)
    if not units:
        return _not_a_screener(request)
    q = request.GET.get("q", "").strip()[:60]
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "pending"
    source = request.GET.get("source", "") if request.GET.get("source") in Source.values else ""
    counts = queue_counts(units=units)
    found = message_search(units=units, text=q) if q else queue_messages(units=units, tab=tab, source=source)
    page = IdFirstPaginator(found, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = {"tab": tab, "source": source, "q": q}
    context = {
        "units": units,
        "counts": counts,
        "tab": tab,
        "source": source,
        "q": q,
        "page": page,
        "pager_query": urlencode({k: v for k, v in query.items() if v}) + "&",
        "awaiting": awaiting_count(request.user),
    }
    return render(request, "messaging/queue.html", context)


def _audit_view(request, message: InboundMessage) -> None:
    if message.name or message.phone or message.id_number:
        audit_record(
            user=request.user,
            action="view_personal_data",
            obj=message,
            detail={"message": message.number},
            request=request,
        )


def _safe_link(url: str) -> str:
    """Only http(s) links become anchors: a forum feed's `javascript:` would otherwise run on click."""
    return url if url.lower().startswith(("http://", "https://")) else ""


def _open311_of(message: InboundMessage):
    """What an Open311 client sent beside the message: its service, location, e-mail (docs/open311.md)."""
    from xinfang.integrations.models import Open311Request

    if message.source != Source.OPEN311:
        return None
    return (
        Open311Request.objects.select_related("category", "api_token__user").filter(message=message).first()
    )


def _render_detail(request, message: InboundMessage, *, form=None, code="", status=200, refusal=""):
    _audit_view(request, message)
    suggested = "answer" if message.kind == MessageKind.CONSULT else "convert"
    can_convert = message.screening_unit_id in {u.pk for u in registration_units(request.user)}
    actions = []
    if message.status == ScreeningStatus.NEW:
        for action_code, form_class in ACTION_FORMS.items():
            actions.append(
                {
                    "code": action_code,
                    "label": ACTION_LABELS[action_code],
                    "hint": ACTION_HINTS[action_code],
                    "form": form if action_code == code else form_class(message=message),
                    "open": action_code == (code or suggested),
                    "primary": action_code == suggested,
                    "disabled": action_code == "convert" and not can_convert,
                }
            )
    context = {
        "message": message,
        "link": _safe_link(message.link),
        "actions": actions,
        "refusal": refusal,
        "today": timezone.localdate(),
        "attachments": list(message.attachments.all()),
        "open311": _open311_of(message),
        "sms": list(message.sms_messages.order_by("created_at", "id")),
        "publications": list(message.publications.order_by("created_at", "id")),
        "reply_allowed": not reply_refusal(message),
        "faq_allowed": message.status == ScreeningStatus.ANSWERED
        and not message.publications.filter(kind=Publication.Kind.FAQ, withdrawn_at__isnull=True).exists(),
    }
    return render(request, "messaging/detail.html", context, status=status)


@login_required
@require_GET
def message_detail(request, number: str):
    return _render_detail(request, get_message_for_user(request.user, number=number))


def add_service_errors(form, exc: ValidationError) -> None:
    """The service's messages onto the form: by field where the form has it, otherwise on top."""
    if not hasattr(exc, "error_dict"):
        for text in exc.messages:
            form.add_error(None, text)
        return
    for key, texts in exc.message_dict.items():
        field = key if key in form.fields else None
        for text in texts:
            form.add_error(field, text)


@login_required
@require_http_methods(["GET", "POST"])
def message_action(request, number: str, code: str):
    message = get_message_for_user(request.user, number=number)
    if request.method == "GET":  # a reload of a page posted here: the forms live on the message's page
        return redirect("messaging:detail", number=message.number)
    form_class = ACTION_FORMS.get(code)
    if form_class is None:
        raise Http404(_("没有这项操作。"))
    form = form_class(request.POST, message=message)
    if not form.is_valid():
        return _render_detail(request, message, form=form, code=code, status=400)
    try:
        result = SERVICES[code](message=message, actor=request.user, request=request, **form.service_kwargs())
    except AlreadyHandled as exc:
        fresh = get_message_for_user(request.user, number=number)
        return _render_detail(request, fresh, status=409, refusal=exc.messages[0])
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("无权进行此操作。"))
        return _render_detail(request, message, form=form, code=code, status=403)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_detail(request, message, form=form, code=code, status=400)
    label = ACTION_LABELS[code]
    if code == "convert":
        messages.success(
            request, _("留言%(m)s已转为信访件%(c)s。") % {"m": message.number, "c": result.number}
        )
        return redirect("cases:detail", number=result.number)
    if code == "merge":
        messages.success(
            request, _("留言%(m)s已并入信访件%(c)s。") % {"m": message.number, "c": result.number}
        )
    else:
        messages.success(request, _("已完成：%(m)s %(a)s。") % {"m": message.number, "a": label})
    return redirect("messaging:queue")


@login_required
@require_GET
def attachment_download(request, number: str, attachment_id: int):
    message, attachment = get_message_attachment_for_user(
        request.user, number=number, attachment_id=attachment_id
    )
    return audited_attachment_response(request, attachment, detail={"message": message.number})


# --- Public answers ----------------------------------------------------------------------------------


def _publication_form_page(request, message, *, kind: str, initial: dict, service):
    form = PublicationForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                publication = service(
                    message=message, actor=request.user, request=request, **form.service_kwargs()
                )
            except AlreadyHandled as exc:
                form.add_error(None, exc.messages[0])
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("已起草，待本单位负责人或领导审批后公开。"))
                return redirect("messaging:publication", pk=publication.pk)
    context = {"message": message, "form": form, "kind": kind}
    return render(request, "messaging/publication_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reply_draft(request, number: str):
    """公开回复: drafted from the closed case's title and its served opinion, rewritten without names."""
    message = get_message_for_user(request.user, number=number)
    refusal = reply_refusal(message)
    if refusal:
        messages.warning(request, refusal)
        return redirect("messaging:detail", number=message.number)
    initial = {
        "title": message.case.title,
        "question": message.case.title,
        "answer": served_opinion_text(message.case),
    }
    return _publication_form_page(
        request, message, kind=Publication.Kind.REPLY, initial=initial, service=publication_draft_reply
    )


@login_required
@require_http_methods(["GET", "POST"])
def faq_draft(request, number: str):
    """咨询问答 from a message answered earlier."""
    message = get_message_for_user(request.user, number=number)
    initial = {"title": message.title, "question": message.content, "answer": message.answer}
    return _publication_form_page(
        request, message, kind=Publication.Kind.FAQ, initial=initial, service=publication_draft_faq
    )


PUBLICATION_TABS = (
    ("drafts", gettext_lazy("待审批")),
    ("published", gettext_lazy("已公开")),
    ("withdrawn", gettext_lazy("已撤回")),
)


@login_required
@require_GET
def publications(request):
    units = {u.pk: u for u in screening_units(request.user) + approving_units(request.user)}
    if not units:
        return _not_a_screener(request)
    show = request.GET.get("show") if request.GET.get("show") in dict(PUBLICATION_TABS) else "drafts"
    lists = {key: publication_list(request.user, show=key) for key, _label in PUBLICATION_TABS}
    page = IdFirstPaginator(lists[show], settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "show": show,
        "tabs": [(key, label, lists[key].count()) for key, label in PUBLICATION_TABS],
        "page": page,
        "pager_query": f"show={show}&",
        "candidates": reply_candidates(units=screening_units(request.user)) if show == "drafts" else [],
    }
    return render(request, "messaging/publications.html", context)


def _publication_context(request, publication, **extra):
    unit = publication.message.screening_unit if publication.message else None
    approver = unit is not None and can_approve(request.user, unit)
    is_draft = publication.published_at is None and publication.withdrawn_at is None
    context = {
        "publication": publication,
        "can_approve": approver and is_draft,
        "can_withdraw": publication.withdrawn_at is None
        and (approver or (is_draft and publication.created_by_id == request.user.pk)),
        "approve_form": PublicationForm(
            initial={
                "title": publication.title,
                "question": publication.question,
                "answer": publication.answer,
            }
        ),
        "withdraw_form": WithdrawForm(),
        "refusal": "",
    }
    context.update(extra)
    return context


@login_required
@require_GET
def publication_detail(request, pk: int):
    publication = get_publication_for_user(request.user, pk=pk)
    return render(request, "messaging/publication.html", _publication_context(request, publication))


@login_required
@require_POST
def publication_approve_view(request, pk: int):
    publication = get_publication_for_user(request.user, pk=pk)
    form = PublicationForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            publication_approve(
                publication=publication, actor=request.user, request=request, **form.service_kwargs()
            )
        except AlreadyHandled as exc:
            form.add_error(None, exc.messages[0])
            status = 409
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已审批，答复已公开。"))
            return redirect("messaging:publication", pk=publication.pk)
    publication.refresh_from_db()
    context = _publication_context(request, publication, approve_form=form)
    return render(request, "messaging/publication.html", context, status=status)


@login_required
@require_POST
def publication_withdraw_view(request, pk: int):
    publication = get_publication_for_user(request.user, pk=pk)
    form = WithdrawForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            publication_withdraw(
                publication=publication, actor=request.user, request=request, **form.service_kwargs()
            )
        except AlreadyHandled as exc:
            form.add_error(None, exc.messages[0])
            status = 409
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        else:
            messages.success(request, _("已撤回，公众不再能看到这条答复。"))
            return redirect("messaging:publication", pk=publication.pk)
    publication.refresh_from_db()
    context = _publication_context(request, publication, withdraw_form=form)
    return render(request, "messaging/publication.html", context, status=status)
