"""The items of a unit's score and where each rule comes from (issue 6 §4, domain.md §9).

Sources cited in every help text and in docs/assessment.md:
* [S23] 达川区 2022 年信访工作目标考核评分办法: 及时受理率 × 5, 按期答复率 × 10, 参评满意率 × 10,
  参评率 × 5, 重点工作 60 分, 重复信访每增加一件每月扣 1 分（10 分扣完为止）.
* [S24] 宜宾市 2006 年考评细则: 逐项扣分, "少一次扣0.5分".
* [县2008] the seed county's own account (docs: seed-county-summary.txt): 2008 年度县信访工作目标管理考核
  评分方法 deducts points when a unit has not designated an operator for the online system, does not
  register its own petitions online in time, or does not report 工作简报/信访信息 through the system.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("未计算")
    COMPUTED = "computed", _("已计算（可重新计算）")
    FINALIZED = "finalized", _("已定稿")


class NoDenominator(models.TextChoices):
    """A KPI with nothing due in the period (denominator 0): the unit did nothing wrong, so by default
    it gets the full points; `exclude` leaves the item out (0 points, shown as "不计")."""

    FULL = "full", _("给满分")
    EXCLUDE = "exclude", _("不计分（计 0 分）")


class DeductionCode(models.TextChoices):
    NO_OPERATOR = "no_operator", _("未落实专人")
    LATE_REGISTRATION = "late_registration", _("登记不及时")
    INFO_SHORTFALL = "info_shortfall", _("信息未报送/报送不足")
    OVERDUE = "overdue", _("超期办理")
    CALLBACK = "callback", _("回访发现问题")
    REPEAT = "repeat", _("重复信访")
    SUPERVISION = "supervision", _("被督办")


DEDUCTION_ORDER = tuple(DeductionCode.values)

# What one event is, and the source of the rule (help text on the form, docs/assessment.md).
DEDUCTION_HELP = {
    DeductionCode.NO_OPERATOR: _(
        "本单位没有在岗的承办员或登记员（系统操作人员）时记 1 次。依据：县 2008 年目标管理考核评分方法"
        "“要求各单位落实专人接收办理网上信访……未做到的，分别规定不同程度扣分”。"
    ),
    DeductionCode.LATE_REGISTRATION: _(
        "本单位登记的件中，登记日期晚于信访日期超过“天数”的，每件记 1 次。依据：县 2008 年评分方法"
        "“及时在网上登记本级办理的信访件”。"
    ),
    DeductionCode.INFO_SHORTFALL: _(
        "本期首次报送的工作简报和信访信息少于“应报数”的，每少 1 篇记 1 次。依据：县 2008 年评分方法"
        "“工作简报和信访信息均应通过系统进行上报”；宜宾 2006 年细则“少一次扣0.5分”。"
    ),
    DeductionCode.OVERDUE: _(
        "期满日在本期内、未按期完成的办理时限（受理告知、办理答复等），每件记 1 次。"
        "依据：达川区 2022 年评分办法的按期答复要求；宜宾 2006 年逐项扣分的做法。"
    ),
    DeductionCode.CALLBACK: _(
        "本期办结件抽查回访中，群众不满意或需要跟进的，每件记 1 次。依据：抽查回访结果纳入考核"
        "（国信发〔2014〕16号“评价结果纳入考核”）。"
    ),
    DeductionCode.REPEAT: _(
        "本期受理（登记）的重复信访件，每件记 1 次。依据：达川区 2022 年评分办法"
        "“重复信访每增加一件每月扣1分，10分扣完为止”。"
    ),
    DeductionCode.SUPERVISION: _(
        "本期对本单位发起的督办，每次记 1 次。依据：宜宾 2006 年逐项扣分的做法；督办说明办理不到位。"
    ),
}

# The default rule set: 达川区 2022 [S23] for the KPIs, key tasks and repeat petitions, the county's own
# 2008 deductions [县2008] and 宜宾's 0.5 per missing report [S24]. Amounts the sources leave open are
# ours and marked as such in docs/assessment.md.
DEFAULT_KPI_WEIGHTS = {
    "timely_accept": Decimal("5"),
    "on_time": Decimal("10"),
    "participation": Decimal("5"),
    "satisfaction": Decimal("10"),
    "repeat": Decimal("0"),
    "online": Decimal("0"),
    "one_time": Decimal("0"),
}
DEFAULT_KEY_TASK_POINTS = Decimal("60")
DEFAULT_BASE_POINTS = Decimal("10")
# code: (points per event, cap, threshold). Threshold: days for late registration; items per month of
# the period for the information quota; unused otherwise.
DEFAULT_DEDUCTIONS = {
    DeductionCode.NO_OPERATOR: (Decimal("2"), Decimal("2"), 0),
    DeductionCode.LATE_REGISTRATION: (Decimal("0.5"), Decimal("5"), 15),
    DeductionCode.INFO_SHORTFALL: (Decimal("0.5"), Decimal("5"), 1),
    DeductionCode.OVERDUE: (Decimal("1"), Decimal("10"), 0),
    DeductionCode.CALLBACK: (Decimal("1"), Decimal("5"), 0),
    DeductionCode.REPEAT: (Decimal("1"), Decimal("10"), 0),
    DeductionCode.SUPERVISION: (Decimal("1"), Decimal("5"), 0),
}

KPI_HELP = {
    "timely_accept": _("达川区 2022 年：及时受理率 × 5 分。"),
    "on_time": _("达川区 2022 年：按期答复率 × 10 分。"),
    "participation": _("达川区 2022 年：参评率 × 5 分。"),
    "satisfaction": _("达川区 2022 年：参评满意率 × 10 分。"),
    "repeat": _("重复信访率越低越好：得分 =（1 − 重复信访率）× 权重。达川区按件扣分（见扣分项），默认 0。"),
    "online": _("网信占比 × 权重。来源未规定，默认 0。"),
    "one_time": _("一次性化解率 × 权重（本系统定义，见 docs/kpis.md）。来源未规定，默认 0。"),
}
