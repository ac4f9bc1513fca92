"""Case statuses and the transition table (domain.md §5). One guard, `cases.workflow.check_transition`."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    REGISTERED = "registered", _("已登记待交转")
    PENDING_SIGN = "pending_sign", _("待签收")
    SIGNED = "signed", _("已签收待受理")
    RETURNED = "returned", _("退回待重新交转")
    HANDLING = "handling", _("办理中")
    OPINION_ISSUED = "opinion_issued", _("已出具意见待送达")
    SERVED = "served", _("已送达")
    REPORTED = "reported", _("办结报告待审核")
    CLOSED = "closed", _("已办结")
    INFORMED = "informed", _("已告知")
    DIVERTED = "diverted", _("已导入法定程序")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    NO_LONGER_ACCEPTED = "no_longer_accepted", _("不再受理")
    ARCHIVED = "archived", _("已存档")
    RECHECK = "recheck", _("复查中")
    RECHECK_SERVED = "recheck_served", _("复查意见已送达")
    REREVIEW = "rereview", _("复核中")
    SETTLED = "settled", _("调解和解结案")
    FINAL = "final", _("已终结")


S = CaseStatus

# Which status may follow which (domain.md §5). Services name the step; this table is the only guard.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.REGISTERED: (
        S.PENDING_SIGN,
        S.HANDLING,
        S.INFORMED,
        S.DIVERTED,
        S.NOT_ACCEPTED,
        S.NO_LONGER_ACCEPTED,
        S.ARCHIVED,
    ),
    S.RETURNED: (
        S.PENDING_SIGN,
        S.HANDLING,
        S.INFORMED,
        S.DIVERTED,
        S.NOT_ACCEPTED,
        S.NO_LONGER_ACCEPTED,
        S.ARCHIVED,
    ),
    S.PENDING_SIGN: (S.SIGNED, S.RETURNED, S.PENDING_SIGN),
    S.SIGNED: (S.HANDLING, S.RETURNED, S.DIVERTED, S.NOT_ACCEPTED, S.PENDING_SIGN),
    S.HANDLING: (S.OPINION_ISSUED, S.SETTLED, S.PENDING_SIGN),
    S.OPINION_ISSUED: (S.SERVED, S.HANDLING),
    S.SERVED: (S.REPORTED, S.CLOSED, S.RECHECK, S.FINAL),
    S.REPORTED: (S.CLOSED, S.HANDLING),
    S.CLOSED: (S.RECHECK, S.FINAL, S.ARCHIVED),
    S.RECHECK: (S.RECHECK_SERVED,),
    S.RECHECK_SERVED: (S.REREVIEW, S.FINAL),
    S.REREVIEW: (S.FINAL,),
    S.SETTLED: (S.FINAL,),
    S.INFORMED: (S.ARCHIVED,),
    S.DIVERTED: (S.ARCHIVED,),
    S.NOT_ACCEPTED: (S.ARCHIVED,),
    S.NO_LONGER_ACCEPTED: (S.ARCHIVED,),
    S.FINAL: (S.ARCHIVED,),
    S.ARCHIVED: (),
}

# A case in one of these is no longer on anybody's to-do list.
CLOSED_STATUSES = frozenset(
    {S.CLOSED, S.INFORMED, S.DIVERTED, S.NOT_ACCEPTED, S.NO_LONGER_ACCEPTED, S.ARCHIVED, S.SETTLED, S.FINAL}
)


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("登记")
    TRANSITION = "transition", _("状态变更")
    DEADLINE_SET = "deadline_set", _("设定时限")
    DEADLINE_RECOMPUTED = "deadline_recomputed", _("时限重算")
    DEADLINE_MET = "deadline_met", _("时限完成")
    OVERDUE = "overdue", _("超期")
    ATTACHMENT_ADDED = "attachment_added", _("上传附件")
    REPEAT_LINKED = "repeat_linked", _("关联重复信访")
    NOTE = "note", _("备注")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未说明")


class CaseUnitRole(models.TextChoices):
    """Why a unit may see a case (the visibility table; DESIGN.md §4)."""

    REGISTERED = "registered", _("登记单位")
    HOLDER = "holder", _("承办单位")
    COPIED = "copied", _("抄送单位")
