"""Bearer-token authentication for API v1 (and the Django session for the browser)."""

import datetime
import secrets

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from xinfang.integrations.models import ApiToken, hash_token

LAST_USED_GRANULARITY = datetime.timedelta(minutes=5)


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        found = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user


class StaffSession(SessionAuth):
    """The browser's session also works, with Django's CSRF check on writes."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and only its hash is stored."""
    raw = "xf_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:8], token_hash=hash_token(raw))
    return token, raw
