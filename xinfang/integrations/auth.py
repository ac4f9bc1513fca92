"""Bearer-token authentication for API v1 (and the Django session for the browser).

A token carries scopes (issue 7 §2, docs/integrations.md): which operation needs which scope is the one
table in xinfang/integrations/scopes.py. The units a token reaches are its user's seats, as on the web,
narrowed to its integration account's units when the account is restricted (orgs.access.limit_units).
"""

import datetime
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from xinfang.common.services import audit_record
from xinfang.integrations.models import ApiScope, ApiToken, hash_token
from xinfang.integrations.ratelimit import token_count_call
from xinfang.integrations.scopes import READ_METHODS, SUBMIT_ONLY, clean_scopes, has_scope, required_scope
from xinfang.orgs.access import limit_units

LAST_USED_GRANULARITY = datetime.timedelta(minutes=5)
DEFAULT_SCOPES = (ApiScope.READ, ApiScope.WRITE)
API_ROOT = "/api/v1"


class TokenRefused(AuthenticationError):
    """401 with a message saying why (expired, revoked): the client must get a new token."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=401, message=message)


def token_find(raw: str) -> ApiToken | None:
    """The token with this raw value, whatever its state (hash lookup; the raw value is never stored)."""
    return ApiToken.objects.select_related("user", "account").filter(token_hash=hash_token(raw[:200])).first()


def token_refusal(token: ApiToken, now) -> str:
    """Why this token may not be used now, or "" when it may."""
    if token.revoked_at is not None:
        return _("令牌已吊销，请向系统管理员申请新令牌。")
    if token.is_expired(now):
        return _("令牌已过期，请使用轮换后的新令牌或向系统管理员申请新令牌。")
    if token.account_id is not None and not token.account.is_active:
        return _("令牌所属接入系统“%(name)s”已停用，其全部令牌均已失效；请联系系统管理员。") % {
            "name": token.account.name
        }
    if not token.user.is_active:
        return _("令牌所属账号已停用。")
    return ""


def api_path(request) -> str:
    """The request's path below /api/v1 ("/cases/…")."""
    path = request.path
    index = path.find(API_ROOT + "/")
    return path[index + len(API_ROOT) :] if index >= 0 else path


def check_scope(token: ApiToken, method: str, path: str) -> None:
    """PermissionDenied (→ 403 naming the scope) unless the token's scopes allow this operation."""
    if set(token.scopes or ()) <= SUBMIT_ONLY:
        raise PermissionDenied(_("此令牌仅限 Open311 公众提交，不能调用 API v1。"))
    needed = required_scope(method, path)
    if has_scope(token.scopes, needed):
        return
    if method.upper() not in READ_METHODS and not has_scope(token.scopes, "write"):
        if all(scope == "read" or scope.endswith(":read") for scope in token.scopes):
            raise PermissionDenied(
                _("此令牌为只读令牌，不能新增或修改数据（此操作需要权限范围 %(scope)s）。")
                % {"scope": needed}
            )
    raise PermissionDenied(
        _("此令牌缺少权限范围 %(scope)s，不能调用此接口（令牌现有：%(has)s）。")
        % {"scope": needed, "has": ", ".join(token.scopes or ()) or "-"}
    )


def _restrict_units(token: ApiToken) -> None:
    """A restricted account's token reaches only its units' subtrees (issue 7 §2)."""
    if token.account_id is None:
        return
    paths = list(token.account.units.values_list("path", flat=True))
    if paths:
        limit_units(token.user, paths)


def token_mark_used(token: ApiToken, now) -> None:
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        found = token_find(token)
        if found is None:
            return None  # unknown: the generic 401 (or the browser session)
        now = timezone.now()
        refusal = token_refusal(found, now)
        if refusal:
            raise TokenRefused(refusal)
        check_scope(found, request.method, api_path(request))
        token_count_call(found)
        token_mark_used(found, now)
        _restrict_units(found)
        request.user = found.user
        request.api_token = found
        return found.user


class StaffSession(SessionAuth):
    """The browser's session also works, with Django's CSRF check on writes."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


def api_token_create(
    *, user, name: str, scopes=DEFAULT_SCOPES, expires_at=None, account=None
) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and only its hash is stored."""
    raw = "xf_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:8],
        token_hash=hash_token(raw),
        scopes=clean_scopes(scopes),
        expires_at=expires_at,
        account=account,
    )
    return token, raw


@transaction.atomic
def api_token_rotate(
    *, token: ApiToken, acting_user, grace_minutes: int = 60, via="web"
) -> tuple[ApiToken, str]:
    """A new token with the same user, name, scopes and expiry; the old one ends after the grace period.

    Both work during the grace period so the connected system can switch without an outage.
    """
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token_refusal(token, timezone.now()):
        raise ValueError(_("只能轮换仍然有效的令牌。"))
    new, raw = api_token_create(
        user=token.user,
        name=token.name,
        scopes=token.scopes,
        expires_at=token.expires_at,
        account=token.account,
    )
    grace_end = timezone.now() + datetime.timedelta(minutes=max(0, grace_minutes))
    token.expires_at = grace_end if token.expires_at is None else min(token.expires_at, grace_end)
    token.save(update_fields=["expires_at"])
    audit_record(
        user=acting_user,
        action="api_token_rotated",
        obj=token,
        detail={
            "new_token": new.pk,
            "new_prefix": new.prefix,
            "old_expires_at": token.expires_at.isoformat(),
        },
        via=via,
    )
    return new, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, acting_user, via="web") -> bool:
    """Stop the token at once; False when it was already revoked (nothing changes then)."""
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if changed:
        audit_record(
            user=acting_user, action="api_token_revoked", obj=token, detail={"prefix": token.prefix}, via=via
        )
    return bool(changed)
