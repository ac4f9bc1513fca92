"""The SSO pages: start the login, take the provider's answer, refuse clearly, log out.

When SSO is not configured every URL here answers 404 (docs/sso.md).
"""

from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from xinfang.common.services import audit_record
from xinfang.sso.access import require_sso_admin
from xinfang.sso.forms import PreviewForm
from xinfang.sso.provider import ProviderUnavailable, provider, sso_enabled
from xinfang.sso.selectors import seat_labels, seats_for_values, unmapped_logins

# reason → (HTTP status, heading, explanation)
REFUSALS = {
    "unmapped": (
        403,
        _("您的办公系统账号还不能登录本系统"),
        _(
            "您在办公系统中的部门和角色还没有对应到本系统的单位和角色。请把下面的部门和角色告诉信访局系统管理员，请其添加对应关系后再登录。"
        ),
    ),
    "inactive": (
        403,
        _("您在本系统的账号已停用"),
        _("您的账号已被信访局系统管理员停用，不能登录。如有疑问，请联系信访局系统管理员。"),
    ),
    "denied": (
        403,
        _("办公系统没有同意登录"),
        _("办公系统没有同意您登录本系统（可能您取消了登录或授权）。可以返回登录页重新登录。"),
    ),
    "invalid": (
        400,
        _("登录没有完成"),
        _(
            "这次登录的请求已失效或没有通过安全校验（可能停留太久，或链接被改动过）。请返回登录页，重新点击“使用办公系统账号登录”。"
        ),
    ),
    "unavailable": (
        503,
        _("暂时连不上办公系统"),
        _("本系统暂时无法连接办公系统的登录服务，请稍后再试，或使用本系统的用户名和密码登录。"),
    ),
}


def refusal_page(request, reason: str, *, mapped=None):
    status, heading, explanation = REFUSALS[reason]
    context = {"heading": heading, "explanation": explanation, "mapped": mapped, "reason": reason}
    return render(request, "sso/refused.html", context, status=status)


def _audit_failure(request, reason: str, error: str) -> None:
    audit_record(
        user=None,
        action="sso_login_refused",
        object_type="sso.ssoidentity",
        detail={"reason": reason, "error": error[:500]},
        request=request,
    )


def _require_sso() -> None:
    if not sso_enabled():
        raise Http404


class SsoLoginView(OIDCAuthenticationRequestView):
    """/sso/login/: send the browser to the provider (Authorization Code flow, state, nonce, PKCE)."""

    def __init__(self, **kwargs):
        # Not the parent's __init__: it reads the endpoints from settings, and they may come from discovery.
        View.__init__(self, **kwargs)

    def get(self, request):
        _require_sso()
        try:
            op = provider()
        except ProviderUnavailable as exc:
            _audit_failure(request, "unavailable", str(exc))
            return refusal_page(request, "unavailable")
        self.OIDC_OP_AUTH_ENDPOINT = op.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """/sso/callback/: check state, exchange the code, verify the ID token, sign in or refuse."""

    def get(self, request):
        _require_sso()
        try:
            return super().get(request)
        except SuspiciousOperation as exc:  # unknown state, bad signature, audience, issuer, nonce …
            _audit_failure(request, "invalid", str(exc))
            return refusal_page(request, "invalid")
        except requests.HTTPError as exc:
            # 4xx from the token or userinfo endpoint: a refused code (reused, expired) or client
            # credentials the provider does not accept — not an outage.
            status = exc.response.status_code if exc.response is not None else 503
            reason = "invalid" if 400 <= status < 500 else "unavailable"
            _audit_failure(request, reason, str(exc))
            return refusal_page(request, reason)
        except (requests.RequestException, ProviderUnavailable, ValueError) as exc:
            _audit_failure(request, "unavailable", f"{type(exc).__name__}: {exc}")
            return refusal_page(request, "unavailable")

    def login_failure(self):
        request = self.request
        reason = getattr(request, "sso_refusal", "")
        if not reason:
            reason = "denied" if request.GET.get("error") else "invalid"
            _audit_failure(request, reason, request.GET.get("error", "no login in progress"))
        elif getattr(request, "sso_error", ""):
            # Refused by the backend's own checks; the service's refusals audit themselves.
            _audit_failure(request, reason, request.sso_error)
        return refusal_page(request, reason, mapped=getattr(request, "sso_mapped", None))


class LogoutView(auth_views.LogoutView):
    """Local logout; after an SSO login also end the session at the provider when it offers that."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get("oidc_id_token")
        user = request.user
        response = super().post(request, *args, **kwargs)
        if not (id_token and sso_enabled()):
            return response
        audit_record(user=user, action="sso_logout", obj=user, request=request)
        try:
            end_session = provider().end_session_endpoint
        except ProviderUnavailable:
            return response  # the local session is gone; the OA session simply stays
        if not end_session:
            return response
        query = urlencode(
            {
                "id_token_hint": id_token,
                "client_id": settings.OIDC_RP_CLIENT_ID,
                "post_logout_redirect_uri": request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL)),
            }
        )
        return HttpResponseRedirect(f"{end_session}?{query}")


@login_required
def mapping_overview(request):
    """/sso/mapping/: try out the mapping, and see which OA values were refused lately (for the admin)."""
    require_sso_admin(request.user)
    form = PreviewForm(request.GET or None)
    preview = None
    if form.is_valid() and any(form.cleaned_data.values()):
        departments, roles = form.values()
        mapped = seats_for_values(departments, roles)
        preview = seat_labels(mapped.seats)
    context = {
        "form": form,
        "preview": preview,
        "unmapped": unmapped_logins(),
        "sso_enabled": sso_enabled(),
    }
    return render(request, "sso/mapping.html", context, status=400 if form.errors else 200)
