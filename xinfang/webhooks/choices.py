"""Webhook event types and delivery states (issue 7 §3; docs/webhooks.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    """What a connected system may subscribe to; the value is the `X-Xinfang-Event` header."""

    CASE_REGISTERED = "case.registered", _("案件登记")
    CASE_DISPATCHED = "case.dispatched", _("交办/转送到本单位")
    DEADLINE_NEAR = "deadline.near", _("即将到期")
    DEADLINE_OVERDUE = "deadline.overdue", _("已超期")
    OPINION_SERVED = "opinion.served", _("处理意见书送达")
    EVALUATION_RECEIVED = "evaluation.received", _("收到评价")
    SUPERVISION_OPENED = "supervision.opened", _("督办立项")
    SUPERVISION_URGED = "supervision.urged", _("催办")


# Not subscribable: the "send a test event" button's event, delivered to one subscription only.
TEST_EVENT = "webhook.test"
TEST_EVENT_LABEL = _("测试事件")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已投递")
    FAILED = "failed", _("失败")


class AttemptTrigger(models.TextChoices):
    AUTO = "auto", _("自动投递")
    REDELIVER = "redeliver", _("手动重新投递")
