"""API tokens for people and connected systems (API v1, Authorization: Bearer …)."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiScope(models.TextChoices):
    """What a token may do (docs/api.md, Authentication); the unit scope comes from the user's seats."""

    READ = "read", _("只读（GET）")
    WRITE = "write", _("读写（所有方法）")
    OPEN311 = "open311", _("仅 Open311 公众提交")


class IntegrationKind(models.TextChoices):
    PORTAL = "portal", _("政府门户网站")
    OA = "oa", _("办公自动化（OA）系统")
    FORUM = "forum", _("本地论坛")
    UPPER = "upper", _("上级信访信息系统")
    OTHER = "other", _("其他系统")


class IntegrationAccount(models.Model):
    """One connected system (issue 7 §2): owns its tokens and webhook subscriptions.

    Its service user's seats give the units it reaches, as for a person; `units`, when set, narrows
    that further (a forum bridge that may only see one township, say).
    """

    name = models.CharField(_("系统名称"), max_length=60, unique=True)
    kind = models.CharField(_("系统类型"), max_length=10, choices=IntegrationKind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("服务账号"),
        on_delete=models.PROTECT,
        related_name="integration_account",
    )
    units = models.ManyToManyField(
        "orgs.Unit", verbose_name=_("限定单位"), blank=True, related_name="integration_accounts"
    )
    contact = models.CharField(_("联系人及电话"), max_length=100, blank=True)
    note = models.TextField(_("备注"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("接入系统")
        verbose_name_plural = _("接入系统")

    def __str__(self) -> str:
        return self.name


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
    scopes = models.JSONField(_("权限范围"), default=list, blank=True)  # ApiScope values
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    account = models.ForeignKey(
        IntegrationAccount,
        verbose_name=_("接入系统"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tokens",
    )

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def has_scope(self, scope: str) -> bool:
        """Whether this token may do what `scope` allows (a broader scope counts: xinfang/integrations/scopes.py)."""
        from xinfang.integrations.scopes import has_scope

        return has_scope(self.scopes, scope)

    def is_expired(self, now) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class ApiCallCount(models.Model):
    """Calls of one token in one clock minute: the per-token rate limit and the call statistics.

    One row per token and minute, bumped by a single `INSERT … ON CONFLICT DO UPDATE SET n = n + 1`
    (xinfang/integrations/ratelimit.py): no row lock is held across the call, and every server sharing
    the database counts into the same row.
    """

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="call_counts")
    minute = models.BigIntegerField(_("分钟（Unix 时间 ÷ 60）"))
    count = models.PositiveIntegerField(_("调用次数"), default=0)

    class Meta:
        verbose_name = _("API 调用计数")
        verbose_name_plural = _("API 调用计数")
        constraints = [models.UniqueConstraint(fields=["token", "minute"], name="api_call_count_per_minute")]

    def __str__(self) -> str:
        return f"{self.token_id}@{self.minute}: {self.count}"


class Open311Request(models.Model):
    """What an Open311 GeoReport v2 client sent beside the message itself (docs/open311.md).

    The message (信箱审查 queue) holds the text, the name and the phone like any 县长信箱 letter; this
    row keeps the service code, the location, the e-mail, the client's token and who sent it.
    """

    message = models.OneToOneField(
        "messaging.InboundMessage", on_delete=models.CASCADE, related_name="open311", verbose_name=_("留言")
    )
    service_code = models.CharField(_("服务代码"), max_length=20)
    category = models.ForeignKey(
        "reference.Category", verbose_name=_("内容分类"), on_delete=models.PROTECT, related_name="+"
    )
    token = models.CharField(_("受理令牌"), max_length=40, unique=True)
    api_token = models.ForeignKey(
        ApiToken, verbose_name=_("API 令牌"), on_delete=models.PROTECT, related_name="open311_requests"
    )
    client_ref = models.CharField(_("设备或账号标识"), max_length=100, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    long = models.FloatField(_("经度"), null=True, blank=True)
    address_id = models.CharField(_("地址编号"), max_length=100, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    created_at = models.DateTimeField(_("收到时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 服务请求")
        verbose_name_plural = _("Open311 服务请求")
        indexes = [
            models.Index(fields=["created_at"], name="open311_by_created"),
            models.Index(fields=["api_token", "client_ref", "created_at"], name="open311_retry_window"),
        ]

    def __str__(self) -> str:
        return f"{self.service_code} {self.token}"
