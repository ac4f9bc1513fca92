"""Codes of the public doors: where a message came from, what it is, and how it was screened."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    MAILBOX = "mailbox", _("县长信箱")
    CONSULT = "consult", _("在线咨询")
    SMS = "sms", _("短信")
    FORUM = "forum", _("论坛")
    OPEN311 = "open311", _("Open311 接口")


# The channel a converted message's case gets (reference.Channel codes).
CHANNEL_OF_SOURCE = {
    Source.MAILBOX: "web",
    Source.CONSULT: "consult",
    Source.SMS: "sms",
    Source.FORUM: "forum",
    Source.OPEN311: "web",  # a portal or app speaking Open311: a web submission like 县长信箱
}


class MessageKind(models.TextChoices):
    """What the citizen says the message is (the portal's 类型)."""

    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    HELP = "help", _("求助")
    CONSULT = "consult", _("咨询")
    REPORT = "report", _("举报")


class ScreeningStatus(models.TextChoices):
    """信箱审查: every message ends in one of the last four — nothing disappears silently."""

    NEW = "new", _("待审查")
    ANSWERED = "answered", _("已直接答复")
    CONVERTED = "converted", _("已转为信访件")
    MERGED = "merged", _("已并入信访件")
    SPAM = "spam", _("无效信息")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送（已退订）")


class NotificationKind(models.TextChoices):
    """The in-app notices this app knows by name; other senders may use their own short codes."""

    DEADLINE_REMINDER = "deadline_reminder", _("期限提醒")
    DEADLINE_OVERDUE = "deadline_overdue", _("已超期")
    DEADLINE_ESCALATED = "deadline_escalated", _("超期督促")
    # Named here so the inbox shows them by name (the senders keep their own constants).
    URGE = "urge", _("催办")
    SUPERVISION = "supervision", _("督办")
    SUPERVISION_REMINDER = "supervision_reminder", _("督办回复提醒")
    SUPERVISION_OVERDUE = "supervision_overdue", _("督办逾期")
    CALLBACK = "callback", _("回访")
    DISPUTE_HIGH_RISK = "dispute_high_risk", _("高风险矛盾纠纷")
    DISPUTE_OVERDUE = "dispute_overdue", _("矛盾纠纷逾期")
    DISPUTE_REPORTED = "dispute_reported", _("矛盾纠纷上报")
    REPORT_SUBMITTED = "report_submitted", _("信息报送")
    REPORT_URGENT = "report_urgent", _("紧急信息")
    REPORT_ADOPTED = "report_adopted", _("信息采用")
    REPORT_RETURNED = "report_returned", _("信息退回")
    BULLETIN_PUBLISHED = "bulletin_published", _("季度通报")
    OTHER = "other", _("通知")
