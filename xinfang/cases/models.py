"""The case (信访件) and what hangs off it: petitioners, complained-about parties, attachments,
deadlines, the visibility table and the immutable event log (DESIGN.md §4, domain.md §7)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.cases.choices import (
    CaseStatus,
    CaseUnitRole,
    DispatchKind,
    EvaluationLevel,
    EvaluationSource,
    EvaluationTarget,
    EventKind,
    Gender,
    OpinionOutcome,
    OpinionStage,
    RecordStatus,
    ServiceMethod,
)
from xinfang.common.models import AppendOnly, ImmutableError  # noqa: F401 - ImmutableError re-exported
from xinfang.deadlines.models import DayType, Step


class Case(models.Model):
    """A petition, registered once, flowing between units until it is closed."""

    number = models.CharField(_("信访件编号"), max_length=24, unique=True)
    query_code = models.CharField(_("查询码"), max_length=10, unique=True)
    channel = models.ForeignKey("reference.Channel", verbose_name=_("信访形式"), on_delete=models.PROTECT)
    purpose = models.ForeignKey("reference.Purpose", verbose_name=_("信访目的"), on_delete=models.PROTECT)
    category = models.ForeignKey(
        "reference.Category", verbose_name=_("内容分类"), null=True, blank=True, on_delete=models.PROTECT
    )
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("信访内容"))
    demands = models.TextField(_("诉求"), blank=True)
    addressee = models.CharField(_("受信人"), max_length=40, blank=True)
    issue_region = models.ForeignKey(
        "orgs.Region", verbose_name=_("问题属地"), null=True, blank=True, on_delete=models.PROTECT
    )
    issue_address = models.CharField(_("问题发生地"), max_length=200, blank=True)
    received_on = models.DateField(_("信访日期"))
    registered_at = models.DateTimeField(_("登记时间"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registering_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("登记单位"), on_delete=models.PROTECT, related_name="registered_cases"
    )
    owner_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("当前办理单位"), on_delete=models.PROTECT, related_name="held_cases"
    )
    rule_set = models.ForeignKey("deadlines.RuleSet", verbose_name=_("时限规则"), on_delete=models.PROTECT)
    status = models.CharField(
        _("状态"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.REGISTERED
    )
    is_open = models.BooleanField(_("未结"), default=True)
    due_on = models.DateField(_("当前期限"), null=True, blank=True)
    headcount = models.PositiveIntegerField(_("信访人数"), default=1)
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    is_urgent = models.BooleanField(_("重大紧急"), default=False)
    is_skip_level = models.BooleanField(_("越级"), default=False)
    is_litigation = models.BooleanField(_("涉法涉诉"), default=False)
    is_collective = models.BooleanField(_("集体访"), default=False)
    is_repeat = models.BooleanField(_("重复信访"), default=False)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("重复信访件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeats",
    )
    submission_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # The workflow's memory (issue 3): who must approve a 办结报告, who accepted and answered, when.
    assigning_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("交办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handling_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("受理单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    served_on = models.DateField(_("最近送达日期"), null=True, blank=True)
    split_from = models.ForeignKey(
        "self",
        verbose_name=_("拆分自"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="split_parts",
    )

    class Meta:
        verbose_name = _("信访件")
        verbose_name_plural = _("信访件")
        indexes = [
            # The workbench: "my unit's open cases by due date" is one range scan of a small partial
            # index (~15 % of cases are open). A boolean is no equality term for SQLite's planner, so
            # is_open is the condition; id gives the list order, and the trailing is_open lets SQLite
            # count and skip pages from the index alone (PostgreSQL needs no such help).
            models.Index(
                fields=["owner_unit", "due_on", "id", "is_open"],
                condition=models.Q(is_open=True),
                name="case_workbench_open",
            ),
            models.Index(fields=["registered_at"], name="case_registered_at"),
            models.Index(fields=["registering_unit", "registered_at"], name="case_reg_unit_time"),
            # KPIs over the cases closed in a period (参评率, 一次性化解率; xinfang/reporting/kpis.py): a
            # range of closing times. Open cases have none, so they stay out of the index.
            models.Index(
                fields=["closed_at"], condition=models.Q(closed_at__isnull=False), name="case_closed_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def protects_identity(self) -> bool:
        """检举控告: the petitioner must never be disclosed to the accused (2022 条例 §30 ¶3)."""
        return self.purpose.protects_identity


class CaseNumberSeq(models.Model):
    """The last serial used per prefix (region code + yyyymmdd), bumped inside the registering transaction."""

    prefix = models.CharField(max_length=20, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("编号序列")
        verbose_name_plural = _("编号序列")

    def __str__(self) -> str:
        return f"{self.prefix}:{self.last}"


class Petitioner(models.Model):
    """A person who petitions; a group visit lists its representatives (≤5, 2022 条例 §20 ¶3)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="petitioners")
    name = models.CharField(_("姓名"), max_length=40, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    id_type = models.ForeignKey(
        "reference.IdType", verbose_name=_("证件类型"), null=True, blank=True, on_delete=models.PROTECT
    )
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True, db_index=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, db_index=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("住址区划"), null=True, blank=True, on_delete=models.PROTECT
    )
    is_primary = models.BooleanField(_("主访人"), default=False)
    is_representative = models.BooleanField(_("代表"), default=False)

    class Meta:
        verbose_name = _("信访人")
        verbose_name_plural = _("信访人")
        ordering = ["-is_primary", "id"]

    def __str__(self) -> str:
        return self.name


class ComplainedParty(models.Model):
    """被反映人或单位: access-restricted like the petitioner's identity (domain.md §7)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="complained_parties")
    name = models.CharField(_("被反映人或单位"), max_length=80)
    position = models.CharField(_("职务"), max_length=60, blank=True)
    organisation = models.CharField(_("所在单位"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("被反映人")
        verbose_name_plural = _("被反映人")

    def __str__(self) -> str:
        return self.name


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"cases/{instance.case.registered_at:%Y/%m}/{instance.case.number}/{instance.sha256[:16]}"


class Attachment(models.Model):
    """A scanned letter or document; the type is checked by content, not by the file name."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=60)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class CaseUnit(models.Model):
    """Which units may see a case and why; the visibility gate filters on this table."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="unit_links")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="case_links")
    role = models.CharField(max_length=12, choices=CaseUnitRole.choices)

    class Meta:
        verbose_name = _("可见单位")
        verbose_name_plural = _("可见单位")
        constraints = [models.UniqueConstraint(fields=["unit", "case", "role"], name="case_unit_unique")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.unit_id}:{self.role}"


OPEN_CLOCK = Q(is_open=True)


class CaseDeadline(models.Model):
    """One statutory clock of a case, with the rule it came from and how its date was computed."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    step = models.CharField(_("环节"), max_length=20, choices=Step.choices)
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("起算日"))
    days = models.PositiveIntegerField(_("天数"))
    day_type = models.CharField(_("计算方式"), max_length=10, choices=DayType.choices)
    basis = models.CharField(_("依据"), max_length=200)
    due_on = models.DateField(_("期满日"))
    explanation = models.JSONField(_("计算过程"), default=dict)
    is_open = models.BooleanField(default=True)
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    overdue_noted_at = models.DateTimeField(null=True, blank=True)
    # The deadline scan's marks (issue 5 §1, xinfang/supervision/reminders.py): each stage is claimed
    # once per clock with a conditional UPDATE; moving the due date clears them (a new date, a new chain).
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    escalated_head_at = models.DateTimeField(_("告知单位负责人时间"), null=True, blank=True)
    escalated_bureau_at = models.DateTimeField(_("告知信访部门时间"), null=True, blank=True)
    paused_on = models.DateField(_("暂停日"), null=True, blank=True)  # 听证 (2022 条例 §36 ¶2)
    paused_days = models.PositiveIntegerField(_("暂停天数"), default=0)

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        ordering = ["starts_on", "id"]
        indexes = [
            models.Index(fields=["is_open", "due_on"], name="deadline_open_due"),
            # The deadline scan's to-do lists, one per stage: a range of due dates over only the open
            # clocks still waiting for that stage, so clocks already handled are never read again.
            models.Index(
                fields=["due_on"],
                condition=OPEN_CLOCK & Q(reminded_at__isnull=True),
                name="deadline_remind_todo",
            ),
            models.Index(
                fields=["due_on"],
                condition=OPEN_CLOCK & Q(overdue_noted_at__isnull=True),
                name="deadline_overdue_todo",
            ),
            models.Index(
                fields=["due_on"],
                condition=OPEN_CLOCK & Q(escalated_head_at__isnull=True),
                name="deadline_head_todo",
            ),
            models.Index(
                fields=["due_on"],
                condition=OPEN_CLOCK & Q(escalated_bureau_at__isnull=True),
                name="deadline_bureau_todo",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.step} {self.due_on}"


class CaseEvent(AppendOnly):
    """An immutable record of one change, written in the same transaction as the change."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.created_at}"


# --- The workflow's records (issue 3; domain.md §3–§5) ------------------------------------------


class Dispatch(models.Model):
    """One 转送 or 交办 from a 信访部门 to a unit, and what the receiver did with it (2022 条例 §22–§23)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="dispatches")
    kind = models.CharField(_("方式"), max_length=10, choices=DispatchKind.choices)
    from_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("交转单位"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("交转时间"), auto_now_add=True)
    due_on = models.DateField(_("交办期限"), null=True, blank=True)
    note = models.TextField(_("交转意见"), blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)

    class Meta:
        verbose_name = _("交转记录")
        verbose_name_plural = _("交转记录")
        ordering = ["created_at", "id"]
        # "What we sent down, and where it is now": the list of the levels above (issue 3 §1).
        indexes = [models.Index(fields=["from_unit", "-created_at"], name="dispatch_sent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.to_unit_id}"


class Decided(models.Model):
    """A request that waits for a decision by a head or the bureau: who decided, when, and why."""

    status = models.CharField(max_length=10, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        abstract = True


class Extension(Decided):
    """延期: once, at most 30 days, approved by the unit head (2022 条例 §34)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    days = models.PositiveIntegerField(_("延长天数"))
    reason = models.TextField(_("延期理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    old_due_on = models.DateField(null=True, blank=True)
    new_due_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["requested_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} +{self.days}"


class Opinion(Decided):
    """处理意见书 / 复查意见书 / 复核意见书: drafted by staff, signed off by the unit head (§32, §35, §36)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="opinions")
    stage = models.CharField(_("类别"), max_length=10, choices=OpinionStage.choices)
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("处理结论"), max_length=10, choices=OpinionOutcome.choices)
    facts = models.TextField(_("查明事实"))
    basis = models.TextField(_("法律政策依据"))
    text = models.TextField(_("处理意见"))
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField(auto_now_add=True)
    served_on = models.DateField(_("送达日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("意见书")
        verbose_name_plural = _("意见书")
        ordering = ["drafted_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_stage_display()}"


class Service(models.Model):
    """送达回证: how and when an opinion reached the petitioner, and what they said (domain.md §11)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="services")
    opinion = models.OneToOneField(Opinion, on_delete=models.PROTECT, related_name="service")
    method = models.CharField(_("送达方式"), max_length=12, choices=ServiceMethod.choices)
    served_on = models.DateField(_("送达日期"))
    served_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient_signed = models.BooleanField(_("信访人已签收"), default=True)
    refused = models.BooleanField(_("拒绝签收"), default=False)
    petitioner_opinion = models.TextField(_("信访人意见"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("送达记录")
        verbose_name_plural = _("送达记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.served_on}"


class CompletionReport(Decided):
    """办结报告 of a 交办 case, approved or sent back by the assigning 信访部门 (2022 条例 §22(三))."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("交办单位"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("办理情况"))
    contact = models.CharField(_("联系人及电话"), max_length=80, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("办结报告")
        verbose_name_plural = _("办结报告")
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"


class Evaluation(models.Model):
    """The petitioner's rating of the 信访部门 or of the handling unit, once per opinion stage."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evaluations")
    stage = models.CharField(max_length=10, choices=OpinionStage.choices, default=OpinionStage.HANDLE)
    target = models.CharField(_("评价对象"), max_length=10, choices=EvaluationTarget.choices)
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("被评价单位"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("评价"), max_length=12, choices=EvaluationLevel.choices)
    reason = models.TextField(_("理由"), blank=True)
    source = models.CharField(_("评价途径"), max_length=10, choices=EvaluationSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        constraints = [
            models.UniqueConstraint(fields=["case", "stage", "target"], name="evaluation_once_per_target")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.target} {self.level}"


class ReviewRequest(models.Model):
    """A 复查 or 复核 request, to the body above the one that answered (2022 条例 §35, §36)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="review_requests")
    stage = models.CharField(max_length=10, choices=OpinionStage.choices)
    requested_on = models.DateField(_("申请日期"))
    from_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("原办理单位"), on_delete=models.PROTECT, related_name="+"
    )
    review_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("复查（复核）机关"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("申请理由"))
    recorded_by = models.ForeignKey(  # empty: the petitioner asked on the portal
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("复查复核申请")
        verbose_name_plural = _("复查复核申请")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.requested_on}"


class Hearing(models.Model):
    """听证 during 复核: its days do not count towards the 30-day limit (2022 条例 §36 ¶2)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    started_on = models.DateField(_("听证开始"))
    ended_on = models.DateField(_("听证结束"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("听证")
        verbose_name_plural = _("听证")
        ordering = ["started_on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.started_on}"


class SavedSearch(models.Model):
    """保存的查询: a named query string of the advanced search (issue 6 §3).

    Shared ones are listed to every colleague of `unit` (the unit the owner worked for when saving).
    Only the query string is kept: running it validates it again and goes through the runner's own
    visibility (`cases_visible_to`), so a shared search never shows more than the runner may see.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("保存人"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("所在单位"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=40)
    query = models.CharField(_("查询条件"), max_length=1000)
    shared = models.BooleanField(_("本单位共享"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("保存的查询")
        verbose_name_plural = _("保存的查询")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_search_name_unique")]

    def __str__(self) -> str:
        return self.name


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在导出")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ExportJob(models.Model):
    """A large case-list export written by the worker to storage (docs/exports.md).

    `params` is what rebuilds the list (source + its filters); the worker rebuilds it with the
    requesting user's visibility and masking. The file is served only to `user`.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("来源"), max_length=12)
    title = models.CharField(_("名称"), max_length=100)
    params = models.JSONField(default=dict)
    status = models.CharField(
        _("状态"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    rows_written = models.PositiveIntegerField(_("已写入"), default=0)
    file = models.FileField(upload_to="exports/%Y/%m", max_length=200, blank=True)
    error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.source} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in {ExportStatus.DONE, ExportStatus.FAILED}

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.rows_written * 100 // self.total_rows)
