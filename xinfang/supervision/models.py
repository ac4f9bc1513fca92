"""催办, 督办 and 抽查回访 (issue 5 §2, §3; domain.md §4, §11).

A 信访部门 urges (`Urge`) the unit holding a case, or supervises it formally (`Supervision`): a
督办函 with the triggers, the facts, the requested action and a reply deadline of its own (T11); the
supervised unit replies in writing (`SupervisionReply`), the bureau closes or escalates. Every change
leaves an immutable `SupervisionEvent`. 抽查回访: a reproducible random draw of closed cases
(`CallbackDraw`) makes callback tasks (`Callback`); each phone call is a `CallbackCall`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.cases.choices import EvaluationLevel
from xinfang.common.models import AppendOnly, ImmutableError  # noqa: F401 - ImmutableError re-exported
from xinfang.supervision.choices import (
    CallbackStatus,
    DrawMode,
    SupervisionEventKind,
    SupervisionStatus,
)


class Urge(models.Model):
    """催办: a short note from a 信访部门 to the unit holding an open case; repeats are counted."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="urges")
    from_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("催办单位"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("被催办单位"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("催办意见"))
    sequence = models.PositiveIntegerField(_("第几次催办"))
    created_at = models.DateTimeField(_("催办时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("催办")
        verbose_name_plural = _("催办")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "to_unit", "sequence"], name="urge_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.to_unit_id} #{self.sequence}"


class Supervision(models.Model):
    """督办: one formal supervision of one unit's handling of one case, with its own clock.

    `due_on` is the reply deadline of the current round (T11: 30日 under the national rule set, from
    the case's rule set, editable). Escalation starts a new round with a new deadline and a new 督办函.
    `reminder_sent_at`/`overdue_noted_at` belong to the round: the clock job claims them with a
    conditional UPDATE, so a reminder is sent once even with two workers.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="supervisions")
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("督办单位"), on_delete=models.PROTECT, related_name="+"
    )
    target_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("被督办单位"), on_delete=models.PROTECT, related_name="+"
    )
    triggers = models.JSONField(_("督办事由"), default=list)
    facts = models.TextField(_("基本情况"))
    requested_action = models.TextField(_("督办要求（改进工作建议）"))
    status = models.CharField(
        _("状态"), max_length=10, choices=SupervisionStatus.choices, default=SupervisionStatus.OPEN
    )
    round = models.PositiveSmallIntegerField(_("督办轮次"), default=1)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    starts_on = models.DateField(_("起算日"))
    due_on = models.DateField(_("回复期限"))
    due_explanation = models.TextField(_("期限怎么算的"), blank=True)
    is_listed = models.BooleanField(_("挂牌督办"), default=False)
    measures = models.JSONField(_("已采取的措施"), default=list, blank=True)
    evaluation = models.ForeignKey(
        "cases.Evaluation",
        verbose_name=_("来自评价"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervisions",
    )
    callback = models.ForeignKey(
        "supervision.Callback",
        verbose_name=_("来自回访"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervisions",
    )
    letter = models.ForeignKey(
        "documents.CaseDocument",
        verbose_name=_("督办函"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_noted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["due_on", "id"]
        indexes = [
            # The clock job: open supervisions by reply deadline (a small partial index).
            models.Index(
                fields=["due_on", "id"],
                condition=models.Q(status="open"),
                name="supervision_open_due",
            ),
            models.Index(fields=["target_unit", "status", "due_on"], name="supervision_target"),
            models.Index(fields=["unit", "status", "due_on"], name="supervision_unit"),
        ]

    def __str__(self) -> str:
        return f"督办 {self.case_id} → {self.target_unit_id}"

    def is_overdue_on(self, today) -> bool:
        return self.status == SupervisionStatus.OPEN and self.due_on < today


def reply_attachment_path(instance: "SupervisionAttachment", filename: str) -> str:
    return f"supervision/{instance.reply.supervision_id}/{instance.reply_id}/{instance.sha256[:16]}"


class SupervisionReply(models.Model):
    """The supervised unit's written reply (书面反馈, 2022 条例 §40), one per round."""

    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="replies")
    round = models.PositiveSmallIntegerField(_("督办轮次"))
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("回复内容"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("回复时间"), auto_now_add=True)
    is_late = models.BooleanField(_("逾期回复"), default=False)

    class Meta:
        verbose_name = _("督办回复")
        verbose_name_plural = _("督办回复")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["supervision", "round"], name="supervision_reply_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.supervision_id} #{self.round}"


class SupervisionAttachment(models.Model):
    """A file sent with a reply (PDF/JPG/PNG, checked by content like case attachments)."""

    reply = models.ForeignKey(SupervisionReply, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=reply_attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=60)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("回复附件")
        verbose_name_plural = _("回复附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class SupervisionEvent(AppendOnly):
    """An immutable record of one change of a supervision, written in the change's transaction."""

    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=12, choices=SupervisionEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.supervision_id} {self.kind} {self.created_at}"


# --- 抽查回访 -----------------------------------------------------------------------------------


class CallbackDraw(models.Model):
    """One random draw of closed cases for 抽查回访, recorded so that anyone can repeat it.

    The population is every case below `unit` in a callback status whose closing date is in
    [period_start, period_end], grouped by the unit that answered it and ordered by id; each group is
    sampled with `random.Random(seed)` in unit-id order. `population` keeps the group sizes and a
    SHA-256 of the ordered ids, `case_ids` the drawn ids in draw order.
    """

    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("抽查单位"), on_delete=models.PROTECT, related_name="+"
    )
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("抽取时间"), auto_now_add=True)
    period_start = models.DateField(_("办结日期自"))
    period_end = models.DateField(_("办结日期至"))
    mode = models.CharField(_("抽取方式"), max_length=6, choices=DrawMode.choices)
    share_percent = models.PositiveSmallIntegerField(_("抽取比例（%）"), null=True, blank=True)
    per_unit_count = models.PositiveIntegerField(_("每单位件数"), null=True, blank=True)
    seed = models.BigIntegerField(_("随机种子"))
    statuses = models.JSONField(_("纳入的状态"), default=list)
    population = models.JSONField(_("总体"), default=dict)
    case_ids = models.JSONField(_("抽中的信访件"), default=list)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("回访抽取")
        verbose_name_plural = _("回访抽取")
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period_start}~{self.period_end} seed={self.seed}"


class Callback(models.Model):
    """A callback task: phone the petitioner of one drawn case and record what they say."""

    draw = models.ForeignKey(CallbackDraw, on_delete=models.CASCADE, related_name="callbacks")
    position = models.PositiveIntegerField(_("序号"))
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="callbacks")
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("办理单位"), on_delete=models.PROTECT, related_name="+"
    )
    closed_on = models.DateField(_("办结日期"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("拨打次数"), default=0)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=EvaluationLevel.choices, blank=True)
    follow_up_needed = models.BooleanField(_("需要跟进"), default=False)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "case"], name="callback_case_once_per_draw"),
        ]
        indexes = [
            models.Index(fields=["assignee", "status"], name="callback_assignee"),
            models.Index(fields=["unit", "closed_on"], name="callback_unit_closed"),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}#{self.position} {self.case_id}"


class CallbackCall(AppendOnly):
    """One phone call of a callback task (also the ones nobody answered)."""

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="calls")
    caller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    called_at = models.DateTimeField(_("回访时间"), auto_now_add=True)
    reached = models.BooleanField(_("已联系上"))
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=EvaluationLevel.choices, blank=True)
    petitioner_said = models.TextField(_("信访人反映"), blank=True)
    follow_up_needed = models.BooleanField(_("需要跟进"), default=False)
    follow_up_note = models.TextField(_("跟进事项"), blank=True)

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["called_at", "id"]

    def __str__(self) -> str:
        return f"{self.callback_id} {self.called_at}"
