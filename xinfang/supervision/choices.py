"""催办, 督办 and 抽查回访: statuses, triggers and the supervision's transition table (domain.md §4).

One table (`ALLOWED_TRANSITIONS`) says which status may follow which; the step table in
`workflow.py` says who may take each step; `workflow.supervision_begin` is the one guard.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    """Why a 信访部门 supervises (2022 条例 §40; 2005 条例 §36 adds overdue, not reported, wrong procedure)."""

    OVERDUE = "overdue", _("无正当理由超期未办结")
    SHIRKING = "shirking", _("推诿、敷衍、拖延")
    FALSIFYING = "falsifying", _("弄虚作假")
    NOT_REPORTED = "not_reported", _("办理结果未按规定反馈")
    WRONG_PROCEDURE = "wrong_procedure", _("受理、办理程序不当")
    DISSATISFIED = "dissatisfied", _("群众不满意")
    REFUSED_OPINION = "refused_opinion", _("拒不执行处理意见")
    OTHER = "other", _("其他")


class SupervisionStatus(models.TextChoices):
    OPEN = "open", _("督办中待回复")
    REPLIED = "replied", _("已回复待审核")
    CLOSED = "closed", _("已办结")


SS = SupervisionStatus

# Which status may follow which. Escalation (再次督办) re-opens a supervision with a new deadline.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    SS.OPEN: (SS.REPLIED, SS.OPEN),
    SS.REPLIED: (SS.CLOSED, SS.OPEN),
    SS.CLOSED: (),
}
ACTIVE_STATUSES = frozenset({SS.OPEN, SS.REPLIED})


class Measure(models.TextChoices):
    """What the 联席会议 may do about 履职不力 (2022 条例 §39), recorded when a supervision is escalated."""

    TALK = "talk", _("约谈")
    NOTICE = "notice", _("通报")
    LISTED = "listed", _("挂牌督办")


class SupervisionEventKind(models.TextChoices):
    OPENED = "opened", _("发起督办")
    REPLIED = "replied", _("书面回复")
    CLOSED = "closed", _("审核办结")
    ESCALATED = "escalated", _("再次督办")
    REMINDED = "reminded", _("回复期限提醒")
    OVERDUE = "overdue", _("逾期未回复")


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("待回访")
    DONE = "done", _("已回访")
    UNREACHABLE = "unreachable", _("无法联系")


class DrawMode(models.TextChoices):
    SHARE = "share", _("按比例")
    COUNT = "count", _("按件数")
