"""API tokens for people and connected systems (API v1, Authorization: Bearer …)."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, the raw value is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=60)
    prefix = models.CharField(_("前缀"), max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
