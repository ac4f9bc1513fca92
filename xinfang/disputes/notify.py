"""In-app notices to the 信访部门's supervisors (督办员): a high-risk item registered, an item overdue.

Each notice is claimed first with a conditional UPDATE on the dispute (`… WHERE notified_at IS NULL`),
inside the transaction that writes the notice: one claim wins, so a notice is sent once however many
times — or on however many workers — the scan runs (the healthchecks `sendalerts` pattern, style.md §6).
"""

import datetime
import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from xinfang.disputes.access import is_above
from xinfang.disputes.choices import EventKind, RiskLevel
from xinfang.disputes.models import Dispute, DisputeEvent
from xinfang.messaging.notifications import notification_send
from xinfang.orgs.models import Membership, Role, Unit, UnitKind

logger = logging.getLogger("xinfang.disputes")

KIND_HIGH_RISK = "dispute_high_risk"
KIND_OVERDUE = "dispute_overdue"
KIND_REPORTED = "dispute_reported"


def supervising_bureau(unit: Unit) -> Unit | None:
    """The nearest 信访部门 above the unit: the one its ledger is reported to."""
    ancestor_ids = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
    bureaus = Unit.objects.filter(pk__in=ancestor_ids, kind=UnitKind.PETITION_BUREAU, is_active=True)
    above = [b for b in bureaus if is_above(b, unit)]
    return max(above, key=lambda b: b.depth, default=None)


def bureau_supervisors(unit: Unit) -> list:
    """The 督办员 of the 信访部门 above the unit (the role that keeps the 排查调处 ledger, roles seed)."""
    bureau = supervising_bureau(unit)
    if bureau is None:
        return []
    memberships = Membership.objects.filter(unit=bureau, role_id=Role.SUPERVISOR, user__is_active=True)
    return [m.user for m in memberships.select_related("user").order_by("user_id")]


def _link(dispute: Dispute) -> str:
    return reverse("disputes:detail", args=[dispute.number])


NOTICE_NOTES = {
    KIND_HIGH_RISK: _lazy("已提醒信访部门督办员：高风险矛盾纠纷"),
    KIND_OVERDUE: _lazy("已提醒信访部门督办员和责任人：超期未化解"),
}


def _record(dispute: Dispute, kind: str, users: list) -> None:
    DisputeEvent.objects.create(
        dispute=dispute,
        kind=EventKind.NOTIFIED,
        unit=dispute.unit,
        note=str(NOTICE_NOTES[kind]),
        data={"notice": kind, "users": [u.pk for u in users]},
    )


def notify_high_risk(dispute: Dispute) -> bool:
    """Tell the supervisors about a high-risk item, once. Call inside the transaction that registered it."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Dispute.objects.filter(
            pk=dispute.pk, risk_level=RiskLevel.HIGH, is_open=True, high_risk_notified_at__isnull=True
        ).update(high_risk_notified_at=now)
        if claimed != 1:
            return False  # already told, or another worker got there first
        users = bureau_supervisors(dispute.unit)
        notification_send(
            users=users,
            kind=KIND_HIGH_RISK,
            title=_("高风险矛盾纠纷：%(title)s") % {"title": dispute.title},
            body=_("%(unit)s排查登记了一件高风险矛盾纠纷（%(number)s），化解期限%(due)s。")
            % {
                "unit": dispute.unit.name,
                "number": dispute.number,
                "due": f"{dispute.due_on:%Y年%-m月%-d日}",
            },
            link=_link(dispute),
        )
        _record(dispute, KIND_HIGH_RISK, users)
    return True


def notify_overdue(dispute: Dispute, today: datetime.date) -> bool:
    """Tell the supervisors and the responsible person that an item passed its deadline, once."""
    with transaction.atomic():
        claimed = Dispute.objects.filter(
            pk=dispute.pk, is_open=True, due_on__lt=today, overdue_notified_at__isnull=True
        ).update(overdue_notified_at=timezone.now())
        if claimed != 1:
            return False
        users = [*bureau_supervisors(dispute.unit), dispute.responsible]
        notification_send(
            users=users,
            kind=KIND_OVERDUE,
            title=_("矛盾纠纷超期未化解：%(title)s") % {"title": dispute.title},
            body=_("%(unit)s的矛盾纠纷（%(number)s）化解期限%(due)s已过，尚未化解。")
            % {
                "unit": dispute.unit.name,
                "number": dispute.number,
                "due": f"{dispute.due_on:%Y年%-m月%-d日}",
            },
            link=_link(dispute),
        )
        _record(dispute, KIND_OVERDUE, users)
    return True


def notify_reported(dispute: Dispute) -> None:
    """Tell the supervisors that an item was reported up and waits for their acknowledgement."""
    notification_send(
        users=bureau_supervisors(dispute.unit),
        kind=KIND_REPORTED,
        title=_("矛盾纠纷上报待签收：%(title)s") % {"title": dispute.title},
        body=_("%(unit)s上报了矛盾纠纷（%(number)s，风险等级%(risk)s）。")
        % {"unit": dispute.unit.name, "number": dispute.number, "risk": dispute.get_risk_level_display()},
        link=_link(dispute),
    )


def disputes_notify_scan(*, today: datetime.date | None = None) -> dict[str, int]:
    """The periodic job: notices for high-risk items not yet told about, and for newly overdue items."""
    today = today or timezone.localdate()
    sent = {"high_risk": 0, "overdue": 0}
    high = Dispute.objects.filter(risk_level=RiskLevel.HIGH, is_open=True, high_risk_notified_at__isnull=True)
    for dispute in high.select_related("unit").iterator(chunk_size=500):
        sent["high_risk"] += notify_high_risk(dispute)
    overdue = Dispute.objects.filter(is_open=True, due_on__lt=today, overdue_notified_at__isnull=True)
    for dispute in overdue.select_related("unit", "responsible").iterator(chunk_size=500):
        sent["overdue"] += notify_overdue(dispute, today)
    logger.info("dispute notices: %(high_risk)s high-risk, %(overdue)s overdue", sent)
    return sent
