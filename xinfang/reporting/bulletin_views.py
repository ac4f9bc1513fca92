"""季度通报 pages: the list, 起草 (pick a period), one bulletin with its preview and its one next step
(审核 / 发布), 修改, and the Word and PDF copies.

Thin views (style.md §10): the gate (`get_bulletin_for_user`, 404 alike for missing, unpublished and
other bureaus'), the form, the service, a message. Services refuse what the user may not do (403) and
what the state does not allow (409), with the reason shown on the page.
"""

from django import forms
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

from xinfang.common.paging import IdFirstPaginator
from xinfang.common.services import audit_record
from xinfang.intake.forms import AccessibleErrorsMixin
from xinfang.reporting import bulletin_render as render_doc
from xinfang.reporting import bulletins as services
from xinfang.reporting.bulletin_selectors import (
    bulletin_events,
    bulletin_list,
    can_approve,
    can_edit,
    editing_bureaus,
    get_bulletin_for_user,
)
from xinfang.reporting.periods import recent_periods
from xinfang.reporting.submission_views import add_service_errors

# --- Forms (parse and prefill; the services validate, so page and API say the same) --------------------


class BulletinNewForm(AccessibleErrorsMixin, forms.Form):
    bureau = forms.TypedChoiceField(label=gettext_lazy("发布单位"), coerce=int)
    period = forms.CharField(
        label=gettext_lazy("通报期"),
        max_length=20,
        help_text=gettext_lazy("季度如 2026-Q1，也可以是月份 2026-03 或全年 2026。"),
        widget=forms.TextInput(attrs={"list": "period-options", "autocomplete": "off"}),
    )

    def __init__(self, *args, bureaus, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bureau"].choices = [(b.pk, b.name) for b in bureaus]
        if len(bureaus) == 1:
            self.fields["bureau"].widget = forms.HiddenInput()


class BulletinEditForm(AccessibleErrorsMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    opening = forms.CharField(
        label=gettext_lazy("导语"),
        required=False,
        max_length=5000,
        help_text=gettext_lazy("每段一行。"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    requirements = forms.CharField(
        label=gettext_lazy("工作要求"),
        required=False,
        max_length=5000,
        help_text=gettext_lazy("每段一行。"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    threshold = forms.CharField(
        label=gettext_lazy("点名阈值（%）"),
        max_length=10,
        help_text=gettext_lazy("及时受理率、按期办结率或满意率低于此值的单位在通报中点名，如 90。"),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class BulletinReturnForm(AccessibleErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("退回理由"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


ACTION_MESSAGES = {
    "regenerate": gettext_lazy("已按最新数据重新生成。"),
    "approve": gettext_lazy("已审核。请核对后点“发布”。"),
    "publish": gettext_lazy("已发布，各单位将在消息中收到通知。"),
    "return": gettext_lazy("已退回修改，通报回到草稿。"),
}


# --- List and 起草 ---------------------------------------------------------------------------------------


@login_required
@require_GET
def bulletin_list_view(request):
    page = IdFirstPaginator(bulletin_list(request.user), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "can_create": bool(editing_bureaus(request.user)), "pager_query": ""}
    return render(request, "reporting/bulletin_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_new(request):
    bureaus = editing_bureaus(request.user)
    if not bureaus:
        raise PermissionDenied(_("只有信访局的督办员、负责人或领导可以起草通报。"))
    form = BulletinNewForm(request.POST or None, bureaus=bureaus, initial={"bureau": bureaus[0].pk})
    context = {"form": form, "periods": recent_periods(timezone.localdate())}
    if request.method == "GET":
        return render(request, "reporting/bulletin_new.html", context)
    if not form.is_valid():
        return render(request, "reporting/bulletin_new.html", context, status=400)
    bureau = next(b for b in bureaus if b.pk == form.cleaned_data["bureau"])
    try:
        bulletin = services.bulletin_create(
            bureau=bureau, period=form.cleaned_data["period"], actor=request.user, request=request
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return render(request, "reporting/bulletin_new.html", context, status=400)
    messages.success(request, _("已生成通报草稿。请核对数据，修改导语和工作要求，然后送负责人审核。"))
    return redirect("reporting:bulletin-detail", pk=bulletin.pk)


# --- One bulletin ----------------------------------------------------------------------------------------


def _render_detail(request, bulletin, *, status=200, refusal="", return_form=None):
    content = render_doc.bulletin_content(bulletin)
    context = {
        "bulletin": bulletin,
        "preview": render_doc.bulletin_html(content, for_pdf=False),
        "can_edit": bulletin.is_draft and can_edit(request.user, bulletin),
        "can_approve": can_approve(request.user, bulletin),
        "events": bulletin_events(bulletin),
        "return_form": return_form or BulletinReturnForm(auto_id="id_return_%s"),
        "refusal": refusal,
    }
    return render(request, "reporting/bulletin_detail.html", context, status=status)


@login_required
@require_GET
def bulletin_detail(request, pk: int):
    return _render_detail(request, get_bulletin_for_user(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_edit(request, pk: int):
    bulletin = get_bulletin_for_user(request.user, pk)
    if not (bulletin.is_draft and can_edit(request.user, bulletin)):
        raise PermissionDenied(_("该通报现在不能修改。"))
    initial = {
        "title": bulletin.title,
        "opening": bulletin.opening,
        "requirements": bulletin.requirements,
        "threshold": f"{bulletin.threshold.normalize():f}",
    }
    form = BulletinEditForm(request.POST or None, initial=initial)
    context = {"form": form, "bulletin": bulletin}
    if request.method == "GET":
        return render(request, "reporting/bulletin_edit.html", context)
    if not form.is_valid():
        return render(request, "reporting/bulletin_edit.html", context, status=400)
    try:
        services.bulletin_update(bulletin=bulletin, actor=request.user, request=request, **form.cleaned_data)
    except services.BulletinConflict as exc:
        form.add_error(None, exc.messages[0])
        return render(request, "reporting/bulletin_edit.html", context, status=409)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return render(request, "reporting/bulletin_edit.html", context, status=400)
    messages.success(request, _("已保存修改。"))
    return redirect("reporting:bulletin-detail", pk=bulletin.pk)


@login_required
@require_POST
def bulletin_action(request, pk: int, action: str):
    bulletin = get_bulletin_for_user(request.user, pk)
    calls = {
        "regenerate": services.bulletin_regenerate,
        "approve": services.bulletin_approve,
        "publish": services.bulletin_publish,
        "return": services.bulletin_return,
    }
    if action not in calls:
        raise Http404(_("没有这项操作。"))
    extra = {}
    if action == "return":
        form = BulletinReturnForm(request.POST, auto_id="id_return_%s")
        if not form.is_valid():
            return _render_detail(request, bulletin, status=400, return_form=form)
        extra["reason"] = form.cleaned_data["reason"]
    try:
        calls[action](bulletin=bulletin, actor=request.user, request=request, **extra)
    except PermissionDenied as exc:
        return _render_detail(request, bulletin, status=403, refusal=str(exc))
    except ValidationError as exc:
        fresh = get_bulletin_for_user(request.user, pk)
        status = 409 if isinstance(exc, services.BulletinConflict) else 400
        return _render_detail(request, fresh, status=status, refusal=exc.messages[0])
    messages.success(request, str(ACTION_MESSAGES[action]))
    return redirect("reporting:bulletin-detail", pk=bulletin.pk)


@login_required
@require_GET
def bulletin_download(request, pk: int, fmt: str):
    bulletin = get_bulletin_for_user(request.user, pk)
    return bulletin_file(request, bulletin, fmt, via="web")


def bulletin_file(request, bulletin, fmt: str, *, via: str):
    """The .docx or PDF of a bulletin the caller may read (both pages and the API use this)."""
    if fmt not in ("docx", "pdf"):
        raise Http404(_("只能下载 Word（docx）或 PDF 文件。"))
    content = render_doc.bulletin_content(bulletin)
    data = render_doc.to_docx(content) if fmt == "docx" else render_doc.to_pdf(content)
    audit_record(
        user=request.user,
        action="bulletin_download",
        obj=bulletin,
        detail={"format": fmt, "status": bulletin.status},
        request=request,
        via=via,
    )
    mime = render_doc.DOCX_MIME if fmt == "docx" else render_doc.PDF_MIME
    return render_doc.download(data, name=render_doc.file_name(content, fmt), content_type=mime)
