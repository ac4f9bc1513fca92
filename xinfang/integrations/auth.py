"""Bearer-token authentication for API v1 (and the Django session for the browser).

A token carries scopes (issue 7 §2, docs/api.md): `read` allows GET, `write` every method, `open311`
only the Open311 POST (docs/open311.md). The units a token reaches are its user's seats, as on the web.
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
from xinfang.portal.limits import Limit, RateGate

LAST_USED_GRANULARITY = datetime.timedelta(minutes=5)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CALLS_PER_TOKEN = Limit("api-token", "API_TOKEN_PER_MINUTE", 60)
DEFAULT_SCOPES = (ApiScope.READ, ApiScope.WRITE)


class TokenRefused(AuthenticationError):
    """401 with a message saying why (expired, revoked): the client must get a new token."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=401, message=message)


def token_find(raw: str) -> ApiToken | None:
    """The token with this raw value, whatever its state (hash lookup; the raw value is never stored)."""
    return ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw[:200])).first()


def token_refusal(token: ApiToken, now) -> str:
    """Why this token may not be used now, or "" when it may."""
    if token.revoked_at is not None:
        return _("令牌已吊销，请向系统管理员申请新令牌。")
    if token.is_expired(now):
        return _("令牌已过期，请使用轮换后的新令牌或向系统管理员申请新令牌。")
    if not token.user.is_active:
        return _("令牌所属账号已停用。")
    return ""


def _check_scope(token: ApiToken, method: str) -> None:
    if not (token.has_scope(ApiScope.READ) or token.has_scope(ApiScope.WRITE)):
        raise PermissionDenied(_("此令牌仅限 Open311 公众提交，不能调用 API v1。"))
    if method not in READ_METHODS and not token.has_scope(ApiScope.WRITE):
        raise PermissionDenied(_("此令牌为只读令牌，不能新增或修改数据。"))


def _count_call(token: ApiToken) -> None:
    """One slot of the token's per-minute limit (API_TOKEN_PER_MINUTE); RateLimited → 429."""
    with transaction.atomic():
        gate = RateGate(
            [(CALLS_PER_TOKEN, str(token.pk))],
            message=_("此令牌调用过于频繁，请稍后再试（约%(wait)s后）。"),
        )
        gate.hit()


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
        _check_scope(found, request.method)
        _count_call(found)
        token_mark_used(found, now)
        request.user = found.user
        request.api_token = found
        return found.user


class StaffSession(SessionAuth):
    """The browser's session also works, with Django's CSRF check on writes."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


def _clean_scopes(scopes) -> list[str]:
    chosen = sorted({str(scope) for scope in scopes})
    unknown = [scope for scope in chosen if scope not in ApiScope.values]
    if unknown or not chosen:
        raise ValueError(
            _("权限范围无效：%(s)s（可选 read、write、open311）。") % {"s": ", ".join(unknown) or "-"}
        )
    return chosen


def api_token_create(*, user, name: str, scopes=DEFAULT_SCOPES, expires_at=None) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and only its hash is stored."""
    raw = "xf_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:8],
        token_hash=hash_token(raw),
        scopes=_clean_scopes(scopes),
        expires_at=expires_at,
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
        user=token.user, name=token.name, scopes=token.scopes, expires_at=token.expires_at
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
