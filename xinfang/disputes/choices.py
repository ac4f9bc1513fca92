"""Risk levels, statuses and the transition table of the 排查调处 ledger (docs/disputes.md).

The duty to screen for and settle disputes (建立排查调处机制) is 2005《信访条例》§5; the ledger's
shape — a responsible person, measures, a deadline and a leader in charge of each item (“三定一包”) —
is local practice (domain.md §12), so the risk rules below are plain text a county may reword.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


# What each level means, shown beside the choice and in the export (local practice, not a national rule).
RISK_RULES: dict[str, str] = {
    RiskLevel.HIGH: _(
        "可能引发群体性事件、个人极端事件或越级集体访；涉及人数多，或矛盾已经激化、当事人有过激言行。"
        "须明确包案领导，及时报告信访部门。"
    ),
    RiskLevel.MEDIUM: _("涉及人数较多或有激化可能；需要多个部门协调，短期内难以化解。"),
    RiskLevel.LOW: _("一般性矛盾纠纷，当事人情绪平稳，本单位能够自行调处化解。"),
}

RISK_ORDER = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 2}


class DisputeStatus(models.TextChoices):
    REGISTERED = "registered", _("排查登记")
    MEDIATING = "mediating", _("调处中")
    RESOLVED = "resolved", _("已化解")
    ESCALATED = "escalated", _("未化解上报")
    TO_PETITION = "to_petition", _("转入信访程序")


S = DisputeStatus

# Which status may follow which; `workflow.check_transition` is the only guard.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.REGISTERED: (S.MEDIATING, S.RESOLVED, S.ESCALATED, S.TO_PETITION),
    S.MEDIATING: (S.RESOLVED, S.ESCALATED, S.TO_PETITION),
    # Reported up unresolved: the unit keeps working on it until it is settled or becomes a petition.
    S.ESCALATED: (S.RESOLVED, S.TO_PETITION),
    S.RESOLVED: (),
    # From here on the petition's own statutory clocks apply (2022《信访工作条例》; docs/workflow.md).
    S.TO_PETITION: (),
}

# No longer on the ledger's to-do list: never overdue, read-only.
CLOSED_STATUSES = frozenset({S.RESOLVED, S.TO_PETITION})
OPEN_STATUSES = frozenset(set(S) - CLOSED_STATUSES)


class PartyKind(models.TextChoices):
    PERSON = "person", _("个人")
    ORGANISATION = "organisation", _("单位或组织")


class EventKind(models.TextChoices):
    CREATED = "created", _("排查登记")
    UPDATED = "updated", _("修改")
    TRANSITION = "transition", _("状态变更")
    MEASURE = "measure", _("化解措施")
    REPORTED = "reported", _("上报")
    ACKNOWLEDGED = "acknowledged", _("信访部门签收")
    CASE_LINKED = "case_linked", _("关联信访件")
    NOTIFIED = "notified", _("提醒")
