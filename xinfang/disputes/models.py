"""The 排查调处 ledger: disputes found in a unit's periodic screening, their parties, measures and log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.common.models import AppendOnly, ImmutableError  # noqa: F401 - ImmutableError re-exported
from xinfang.disputes.choices import DisputeStatus, EventKind, PartyKind, RiskLevel


class Dispute(models.Model):
    """One 矛盾纠纷 on a unit's ledger (矛盾纠纷排查调处台账), from screening to its outcome.

    “三定一包” (local practice): a responsible person, measures and a deadline for every item, and a
    leader in charge (包案领导) for the serious ones. `due_on` is the 化解期限 the unit sets; an open item
    past it is overdue. The reporting unit submits (上报) the item; the 信访部门 above acknowledges it.
    """

    number = models.CharField(_("台账编号"), max_length=24, unique=True)
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("排查单位"), on_delete=models.PROTECT, related_name="disputes"
    )
    batch = models.CharField(_("排查批次"), max_length=60)
    period_start = models.DateField(_("排查期间起"))
    period_end = models.DateField(_("排查期间止"))
    found_on = models.DateField(_("排查日期"))
    title = models.CharField(_("矛盾纠纷名称"), max_length=200)
    description = models.TextField(_("基本情况"))
    category = models.ForeignKey(
        "reference.Category", verbose_name=_("类别"), null=True, blank=True, on_delete=models.PROTECT
    )
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices)
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("发生地区划"), null=True, blank=True, on_delete=models.PROTECT
    )
    address = models.CharField(_("发生地"), max_length=200, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包案领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_on = models.DateField(_("化解期限"))
    status = models.CharField(
        _("状态"), max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.REGISTERED
    )
    is_open = models.BooleanField(_("未办结"), default=True)
    outcome = models.TextField(_("化解结果"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_unit = models.ForeignKey(
        "orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_note = models.TextField(_("签收意见"), blank=True)
    # Claimed by a conditional UPDATE before a notice is sent, so each is sent once (notify.py).
    high_risk_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    cases = models.ManyToManyField(
        "cases.Case", through="DisputeCase", related_name="disputes", verbose_name=_("关联信访件")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("矛盾纠纷")
        verbose_name_plural = _("矛盾纠纷排查调处台账")
        indexes = [
            models.Index(fields=["unit", "is_open", "due_on"], name="dispute_unit_open_due"),
            # The overdue scan: open items past their deadline not yet notified (a small partial index).
            models.Index(
                fields=["due_on"],
                condition=models.Q(is_open=True, overdue_notified_at__isnull=True),
                name="dispute_overdue_scan",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("found_on")),
                name="dispute_due_after_found",
                violation_error_message=_("化解期限不能早于排查日期。"),
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="dispute_period_ordered",
                violation_error_message=_("排查期间的结束日期不能早于开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def is_overdue_on(self, today) -> bool:
        """Overdue like a case: the deadline has passed and the dispute is not settled."""
        return self.is_open and self.due_on < today


class DisputeNumberSeq(models.Model):
    """The last serial used per prefix (PC + region + year), bumped inside the registering transaction."""

    prefix = models.CharField(max_length=20, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("台账编号序列")
        verbose_name_plural = _("台账编号序列")

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class DisputeParty(models.Model):
    """A party to the dispute (当事人): a person or an organisation. The contact is personal data."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("类型"), max_length=12, choices=PartyKind.choices)
    name = models.CharField(_("姓名或名称"), max_length=80)
    contact = models.CharField(_("联系电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class DisputeMeasure(AppendOnly):
    """One dated entry of the running log of measures taken (化解措施); immutable once written."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="measures")
    taken_on = models.DateField(_("日期"))
    text = models.TextField(_("措施"))
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("化解措施")
        verbose_name_plural = _("化解措施")
        ordering = ["taken_on", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.taken_on}"


class DisputeEvent(AppendOnly):
    """An immutable record of one change to a dispute, written in the same transaction as the change."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("台账记录")
        verbose_name_plural = _("台账记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.kind} {self.created_at}"

    @property
    def from_label(self) -> str:
        return str(DisputeStatus(self.from_status).label) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return str(DisputeStatus(self.to_status).label) if self.to_status else ""


class DisputeCase(models.Model):
    """A dispute linked to a petition (信访件): an existing one, or one registered from the ledger."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="dispute_links")
    registered_from_dispute = models.BooleanField(_("由台账转入登记"), default=False)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(_("关联时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("关联信访件")
        verbose_name_plural = _("关联信访件")
        ordering = ["linked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["dispute", "case"], name="dispute_case_unique")]

    def __str__(self) -> str:
        return f"{self.dispute_id}:{self.case_id}"
