"""Webhook subscriptions of connected systems, the delivery outbox and its attempt log (issue 7 §3)."""

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.webhooks.choices import AttemptTrigger, DeliveryStatus


class Subscription(models.Model):
    """One receiver URL of an integration account, with the events (and units) it wants.

    The secret signs every delivery (HMAC-SHA256). It is kept in the clear because signing needs it;
    it is shown once, on creation and on rotation, and never again (docs/webhooks.md).
    """

    account = models.ForeignKey(
        "integrations.IntegrationAccount",
        verbose_name=_("接入系统"),
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
    )
    url = models.URLField(_("接收地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=80, editable=False)
    secret_prefix = models.CharField(_("密钥前缀"), max_length=12, editable=False)
    event_types = models.JSONField(_("订阅事件"), default=list)  # EventType values
    units = models.ManyToManyField(
        "orgs.Unit", verbose_name=_("限定单位"), blank=True, related_name="webhook_subscriptions"
    )
    description = models.CharField(_("说明"), max_length=100, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")
        ordering = ["account_id", "id"]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.url}"


class Delivery(models.Model):
    """One event for one subscription: the outbox row, written in the transaction of the change.

    `uuid` is the `X-Xinfang-Delivery` header: the same for every attempt and redelivery, so the
    receiver can drop a duplicate. `event_id` is shared by the deliveries of one event.
    """

    subscription = models.ForeignKey(
        Subscription, verbose_name=_("订阅"), on_delete=models.CASCADE, related_name="deliveries"
    )
    uuid = models.UUIDField(_("投递编号"), default=uuid4, unique=True, editable=False)
    event_id = models.UUIDField(_("事件编号"), default=uuid4)
    event_type = models.CharField(_("事件"), max_length=40)
    case_number = models.CharField(_("信访件编号"), max_length=24, blank=True)
    payload = models.JSONField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("产生时间"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("投递成功时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        indexes = [
            # The worker's to-do list: only the pending rows, by when they are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=DeliveryStatus.PENDING),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["subscription", "-id"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.uuid}"


class Attempt(models.Model):
    """One POST of a delivery and what the receiver answered (the delivery log)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    trigger = models.CharField(
        _("方式"), max_length=10, choices=AttemptTrigger.choices, default=AttemptTrigger.AUTO
    )
    started_at = models.DateTimeField(_("时间"))
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"))
    status_code = models.PositiveIntegerField(_("响应码"), null=True, blank=True)
    ok = models.BooleanField(_("成功"), default=False)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    response_excerpt = models.CharField(_("响应摘录"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("投递尝试")
        verbose_name_plural = _("投递尝试")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.started_at} {self.status_code}"
