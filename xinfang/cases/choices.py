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
    S.PENDING_SIGN: (S.SIGNED, S.RETURNED),
    # A 信访部门 that signed for a case from above disposes of it like one it registered (§22).
    S.SIGNED: (
        S.HANDLING,
        S.RETURNED,
        S.PENDING_SIGN,
        S.INFORMED,
        S.DIVERTED,
        S.NOT_ACCEPTED,
        S.NO_LONGER_ACCEPTED,
    ),
    S.HANDLING: (S.OPINION_ISSUED, S.SETTLED),
    # Served: a 交办 case still owes its 办结报告 (SERVED); any other case is done (CLOSED).
    S.OPINION_ISSUED: (S.SERVED, S.CLOSED),
    S.SERVED: (S.REPORTED, S.RECHECK),
    S.REPORTED: (S.CLOSED, S.HANDLING),
    S.CLOSED: (S.RECHECK, S.FINAL, S.ARCHIVED),
    S.RECHECK: (S.RECHECK_SERVED, S.SETTLED),
    S.RECHECK_SERVED: (S.REREVIEW, S.FINAL),
    S.REREVIEW: (S.FINAL, S.SETTLED),
    S.SETTLED: (S.FINAL,),
    S.INFORMED: (S.ARCHIVED,),
    S.DIVERTED: (S.ARCHIVED,),
    S.NOT_ACCEPTED: (S.ARCHIVED,),
    S.NO_LONGER_ACCEPTED: (S.ARCHIVED,),
    S.FINAL: (S.ARCHIVED,),
    S.ARCHIVED: (),
}

# A case in one of these is no longer on anybody's to-do list.
# RECHECK_SERVED only waits for the petitioner (复核 request window), so it is off the to-do lists too.
CLOSED_STATUSES = frozenset(
    {
        S.CLOSED,
        S.INFORMED,
        S.DIVERTED,
        S.NOT_ACCEPTED,
        S.NO_LONGER_ACCEPTED,
        S.ARCHIVED,
        S.SETTLED,
        S.FINAL,
        S.RECHECK_SERVED,
    }
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
    ACTION = "action", _("办理")
    DOCUMENT = "document", _("制发文书")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "", _("未说明")


class CaseUnitRole(models.TextChoices):
    """Why a unit may see a case (the visibility table; DESIGN.md §4)."""

    REGISTERED = "registered", _("登记单位")
    HOLDER = "holder", _("承办单位")
    COPIED = "copied", _("抄送单位")
    ASSISTING = "assisting", _("协办单位")


class DispatchKind(models.TextChoices):
    TRANSFER = "transfer", _("转送")
    ASSIGN = "assign", _("交办")


class OpinionStage(models.TextChoices):
    """Which opinion: the handling unit's, the 复查 body's or the 复核 body's (2022 条例 §32, §35, §36)."""

    HANDLE = "handle", _("处理意见")
    RECHECK = "recheck", _("复查意见")
    REREVIEW = "rereview", _("复核意见")


class OpinionOutcome(models.TextChoices):
    """2022 条例 §32: 予以支持 / 解释说明 / 不予支持."""

    SUPPORT = "support", _("支持")
    EXPLAIN = "explain", _("解释说明")
    REJECT = "reject", _("不予支持")


class RecordStatus(models.TextChoices):
    """A request waiting for a head's decision: an extension, an opinion, a 办结报告."""

    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("不同意")


class ServiceMethod(models.TextChoices):
    IN_PERSON = "in_person", _("直接送达")
    POST = "post", _("邮寄送达")
    ELECTRONIC = "electronic", _("网上/短信送达")
    LEFT = "left", _("留置送达")
    NOTICE = "notice", _("公告送达")


class EvaluationTarget(models.TextChoices):
    """国信发〔2014〕16号: the petitioner rates the 信访部门 and the handling unit separately."""

    BUREAU = "bureau", _("信访部门")
    HANDLER = "handler", _("责任单位")


class EvaluationLevel(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    FAIRLY = "fairly", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class EvaluationSource(models.TextChoices):
    PHONE = "phone", _("电话回访")
    IN_PERSON = "in_person", _("当面")
    PORTAL = "portal", _("网上")
    SMS = "sms", _("短信")


class DiversionRoute(models.TextChoices):
    """导入法定程序: the routes of 2022 条例 §31(一)–(五), plus 涉法涉诉 and 纪检监察 (§22, §28 ¶2, §30)."""

    LITIGATION = "litigation", _("诉讼、仲裁、行政复议（§31(一)）")
    PROCURATORATE = "procuratorate", _("检察机关、公安机关程序（§31(二)）")
    PARTY_APPEAL = "party_appeal", _("党员申诉（§31(三)）")
    ADMINISTRATIVE = "administrative", _("行政裁决、确认、许可、处罚等程序（§31(四)）")
    PERFORM_DUTY = "perform_duty", _("要求履行法定职责（§31(五)）")
    POLITICAL_LEGAL = "political_legal", _("涉法涉诉，转政法部门（§28）")
    DISCIPLINE = "discipline", _("检举控告，转纪检监察机关（§30）")
