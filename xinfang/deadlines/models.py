"""Working-day calendar and statutory time-limit rule sets (domain.md §2, §10)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayType(models.TextChoices):
    CALENDAR = "calendar", _("自然日")
    WORKING = "working", _("工作日")


class Step(models.TextChoices):
    """The limits of domain.md §2; codes are stable, the days come from a rule set."""

    DISPOSE = "dispose", _("登记交转（T1）")
    NOTIFY_DIRECT = "notify_direct", _("直接收件告知（T2）")
    ACCEPT = "accept", _("受理告知（T3）")
    OBJECT = "object", _("提出异议（T4）")
    HANDLE = "handle", _("办理期限（T5）")
    EXTEND = "extend", _("延期（T6）")
    RECHECK_REQUEST = "recheck_request", _("申请复查（T7）")
    RECHECK_OPINION = "recheck_opinion", _("复查意见（T8）")
    REREVIEW_REQUEST = "rereview_request", _("申请复核（T9）")
    REREVIEW_OPINION = "rereview_opinion", _("复核意见（T10）")
    SUPERVISION_REPLY = "supervision_reply", _("督办回复（T11）")


class HolidayYear(models.Model):
    """A year whose holidays and 调休 days are in the table; a missing year falls back to weekends only."""

    year = models.PositiveIntegerField(_("年份"), primary_key=True)
    source = models.CharField(_("来源"), max_length=60, default="chinesecalendar")
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节假日年度")
        verbose_name_plural = _("节假日年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class HolidayDay(models.Model):
    """An exception to "Monday–Friday work": a statutory holiday on a weekday, or a 调休 working weekend day."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(
        _("调休上班"), default=False, help_text=_("勾选表示周末调休上班；不勾选表示放假。")
    )
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class RuleSet(models.Model):
    """A jurisdiction's set of statutory time limits (national 2022 by default, provincial presets)."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    roll_forward = models.BooleanField(
        _("期满日遇节假日顺延"),
        default=False,
        help_text=_("参照《民法典》第二百零三条；信访条例未作规定，默认不顺延（domain.md §10）。"),
    )
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")

    def __str__(self) -> str:
        return self.name


class RuleLimit(models.Model):
    """One limit of a rule set: N calendar or working days, with the article it comes from."""

    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("时限规则"), on_delete=models.CASCADE, related_name="limits"
    )
    step = models.CharField(_("环节"), max_length=20, choices=Step.choices)
    days = models.PositiveIntegerField(_("天数"))
    day_type = models.CharField(
        _("计算方式"), max_length=10, choices=DayType.choices, default=DayType.CALENDAR
    )
    basis = models.CharField(_("依据"), max_length=200)

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        ordering = ["rule_set", "step"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "step"], name="rule_limit_unique_step")]

    def __str__(self) -> str:
        return f"{self.get_step_display()}：{self.days}{self.get_day_type_display()}"
