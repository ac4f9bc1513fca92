"""接入系统 (integration accounts) pages for system administrators (issue 7 §2, docs/integrations.md).

Thin: the gate (`get_account_for_manager`), a form, a service. A new token's raw value is rendered once
in the answer to the POST that made it and is never stored or put in a URL.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.integrations import accounts as svc
from xinfang.integrations.auth import api_token_revoke, api_token_rotate
from xinfang.integrations.forms import AccountCreateForm, AccountForm, TokenIssueForm, TokenRotateForm
from xinfang.integrations.models import ApiToken
from xinfang.integrations.scopes import SCOPES


def _manager(request):
    if not svc.can_manage_integrations(request.user):
        raise PermissionDenied(_("只有系统管理员可以管理接入系统。"))


def _account(request, pk: int):
    account = svc.get_account_for_manager(request.user, pk)
    if account is None:
        raise Http404(_("接入系统不存在或不归您管理。"))
    return account


def _form_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def account_list(request):
    _manager(request)
    rows = [
        {"account": a, "tokens": a.tokens.filter(revoked_at__isnull=True).count()}
        for a in svc.manageable_accounts(request.user)
    ]
    return render(request, "integrations/account_list.html", {"rows": rows})


@login_required
def account_create(request):
    _manager(request)
    units = svc.manageable_units(request.user)
    form = AccountCreateForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = svc.integration_account_create(
                acting_user=request.user,
                name=data["name"],
                kind=data["kind"],
                username=data["username"],
                seat_units=list(data["seat_units"]),
                roles=data["roles"],
                restrict_to=list(data["restrict_to"]),
                contact=data["contact"],
                note=data["note"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已创建接入系统“%(n)s”。请为它签发令牌。") % {"n": account.name})
            return redirect("integration_accounts:detail", account.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "integrations/account_form.html", {"form": form, "account": None}, status=status)


@login_required
def account_edit(request, pk: int):
    account = _account(request, pk)
    initial = {
        "kind": account.kind,
        "contact": account.contact,
        "note": account.note,
        "restrict_to": list(account.units.all()),
    }
    form = AccountForm(request.POST or None, initial=initial, units=svc.manageable_units(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            svc.integration_account_update(
                account=account,
                acting_user=request.user,
                kind=data["kind"],
                contact=data["contact"],
                note=data["note"],
                restrict_to=list(data["restrict_to"]),
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("integration_accounts:detail", account.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "integrations/account_form.html", {"form": form, "account": account}, status=status
    )


@login_required
def account_detail(request, pk: int):
    account = _account(request, pk)
    return _detail(request, account, issue_form=TokenIssueForm(initial={"days": 365}))


def _detail(request, account, *, issue_form, raw: str = "", status: int = 200):
    context = {
        "account": account,
        "seats": account.user.memberships.select_related("unit", "role").order_by("unit__path"),
        "restricted": list(account.units.all()),
        "rows": svc.account_tokens(account),
        "issue_form": issue_form,
        "rotate_form": TokenRotateForm(),
        "raw": raw,
        "scopes": SCOPES,
    }
    response = render(request, "integrations/account_detail.html", context, status=status)
    if raw:
        response["Cache-Control"] = "no-store"  # the raw token must not stay in any cache
    return response


@login_required
@require_POST
def account_set_active(request, pk: int, active: int):
    account = _account(request, pk)
    svc.integration_account_set_active(account=account, acting_user=request.user, active=bool(active))
    if active:
        messages.success(request, _("已启用。此前签发且未吊销、未过期的令牌恢复可用。"))
    else:
        messages.success(request, _("已停用。此系统的全部令牌立即失效（调用将得到 401）。"))
    return redirect("integration_accounts:detail", account.pk)


@login_required
@require_POST
def token_issue(request, pk: int):
    account = _account(request, pk)
    form = TokenIssueForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _token, raw = svc.integration_token_issue(
                account=account,
                acting_user=request.user,
                name=data["name"],
                scopes=data["scopes"],
                days=data["days"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return _detail(request, account, issue_form=TokenIssueForm(initial={"days": 365}), raw=raw)
    return _detail(request, account, issue_form=form, status=400)


def _token(request, pk: int, token_id: int) -> tuple:
    account = _account(request, pk)
    token = ApiToken.objects.filter(pk=token_id, account=account).first()
    if token is None:
        raise Http404(_("令牌不存在。"))
    return account, token


@login_required
@require_POST
def token_rotate(request, pk: int, token_id: int):
    account, token = _token(request, pk, token_id)
    form = TokenRotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("旧令牌的有效分钟数应在 0 到 10080 之间。"))
        return redirect("integration_accounts:detail", account.pk)
    try:
        _new, raw = api_token_rotate(
            token=token, acting_user=request.user, grace_minutes=form.cleaned_data["grace_minutes"]
        )
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("integration_accounts:detail", account.pk)
    return _detail(request, account, issue_form=TokenIssueForm(initial={"days": 365}), raw=raw)


@login_required
@require_POST
def token_revoke(request, pk: int, token_id: int):
    account, token = _token(request, pk, token_id)
    if api_token_revoke(token=token, acting_user=request.user):
        messages.success(request, _("已吊销令牌 %(p)s…，立即失效。") % {"p": token.prefix})
    return redirect("integration_accounts:detail", account.pk)
