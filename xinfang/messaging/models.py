"""Messages from the public doors (县长信箱, 在线咨询, 短信, 论坛) and the SMS outbox (issue 4)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.messaging.choices import MessageKind, ScreeningStatus, SmsStatus, Source


class MessageNumberSeq(models.Model):
    """The last serial used per day for message numbers ("W" + yyyymmdd + serial)."""

    prefix = models.CharField(max_length=12, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class InboundMessage(models.Model):
    """One message as it arrived, before screening decides what it is (信箱审查).

    Stored before the sender is told "received", so nothing accepted is ever lost. `external_id` is
    the gateway's or the forum's own id: a retried delivery finds the row already there.
    """

    number = models.CharField(_("留言编号"), max_length=16, unique=True)
    query_code = models.CharField(_("查询码"), max_length=10)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    external_id = models.CharField(max_length=120, null=True, blank=True)
    kind = models.CharField(
        _("类型"), max_length=12, choices=MessageKind.choices, default=MessageKind.COMPLAINT
    )
    name = models.CharField(_("姓名"), max_length=40, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True, db_index=True)
    id_number = models.CharField(_("身份证号"), max_length=30, blank=True)
    is_anonymous = models.BooleanField(_("匿名举报"), default=False)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    content = models.TextField(_("内容"))
    issue_address = models.CharField(_("问题发生地"), max_length=200, blank=True)
    link = models.URLField(_("原帖链接"), max_length=500, blank=True)
    consent_publish = models.BooleanField(_("同意公开答复"), default=False)
    sender_ip = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(_("收到时间"))
    due_on = models.DateField(_("答复期限"))
    status = models.CharField(
        _("审查结果"), max_length=10, choices=ScreeningStatus.choices, default=ScreeningStatus.NEW
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("审查时间"), null=True, blank=True)
    answer = models.TextField(_("答复内容"), blank=True)
    reason = models.TextField(_("理由"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("信访件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_messages",
    )
    screening_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("审查单位"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("网上来信")
        verbose_name_plural = _("网上来信")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="message_once_per_external_id"),
            models.UniqueConstraint(fields=["query_code"], name="message_query_code_unique"),
        ]
        indexes = [
            # The screening queue: a unit's unscreened messages, oldest deadline first.
            models.Index(fields=["screening_unit", "status", "due_on"], name="message_queue"),
            # 已处理: a unit's decided messages, newest first (read backwards), and a sender by name.
            models.Index(fields=["screening_unit", "handled_at", "id"], name="message_handled"),
            models.Index(fields=["screening_unit", "name"], name="message_sender_name"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title or self.content[:20]}"


class MessageAttachment(models.Model):
    message = models.ForeignKey(InboundMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="messages/%Y/%m/", max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=60)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("来信附件")
        verbose_name_plural = _("来信附件")

    def __str__(self) -> str:
        return self.original_name


class SmsTemplate(models.Model):
    """An outbound notice's wording, editable by the admin; `{number}`-style placeholders."""

    key = models.SlugField(_("代码"), max_length=40, primary_key=True)
    name = models.CharField(_("名称"), max_length=60)
    text = models.TextField(_("短信内容"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("短信模板")
        verbose_name_plural = _("短信模板")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class SmsOptOut(models.Model):
    """A phone that asked for no more notices (回复TD退订)."""

    phone = models.CharField(_("手机"), max_length=20, primary_key=True)
    created_at = models.DateTimeField(_("退订时间"), auto_now_add=True)
    source = models.CharField(_("方式"), max_length=20, default="sms")

    class Meta:
        verbose_name = _("短信退订")
        verbose_name_plural = _("短信退订")

    def __str__(self) -> str:
        return self.phone


class OutboundSms(models.Model):
    """The SMS outbox: written in the transaction of the event it tells about, sent by the worker."""

    phone = models.CharField(_("手机"), max_length=20)
    text = models.TextField(_("内容"))
    template = models.CharField(_("模板"), max_length=40, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    last_error = models.TextField(_("最近错误"), blank=True)
    gateway_id = models.CharField(max_length=120, blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="sms_messages"
    )
    message = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="sms_messages"
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信发件箱")
        verbose_name_plural = _("短信发件箱")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sms_due")]

    def __str__(self) -> str:
        return f"{self.phone} {self.text[:20]}"


class Publication(models.Model):
    """An answer shown to the public: an approved FAQ entry (在线咨询) or a published reply (公开回复).

    Only with the petitioner's consent and a staff approval, and with personal data removed by the
    editor (the public text is written anew, never the original letter).
    """

    class Kind(models.TextChoices):
        FAQ = "faq", _("咨询问答")
        REPLY = "reply", _("公开回复")

    kind = models.CharField(_("类别"), max_length=6, choices=Kind.choices)
    message = models.ForeignKey(
        InboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="publications"
    )
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="publications"
    )
    title = models.CharField(_("标题"), max_length=200)
    question = models.TextField(_("问题（已去除个人信息）"))
    answer = models.TextField(_("答复"))
    answered_by_unit = models.CharField(_("答复单位"), max_length=80, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公开答复")
        verbose_name_plural = _("公开答复")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["kind", "-published_at"], name="publication_list")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.published_at is not None and self.withdrawn_at is None


class Notification(models.Model):
    """One in-app message (消息) to one staff user: deadline reminders, overdue and escalation notices,
    催办/督办 and whatever else another part of the system wants a person to see in their inbox.

    `kind` is a short code chosen by the sender (see `notifications.KIND_LABELS`); it has no choices
    on purpose, so a new sender needs no migration here. `link` is a site-relative URL (the case page).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类别"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("信访件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox and its badge: "my unread" is a COUNT over one index range, "my messages,
            # newest first" one range per read/unread state.
            models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
