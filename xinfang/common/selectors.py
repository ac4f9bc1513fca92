"""Reads of the audit log for the 信访局: who looked at whose personal data (2022 条例 §30, §46)."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from xinfang.common.models import AuditLog
from xinfang.common.services import PERSONAL_DATA_ACTIONS  # one list: the page and the API audit
from xinfang.orgs.access import seats_of, sees_everything
from xinfang.orgs.models import Membership, Role

AUDIT_READER_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR, Role.UNIT_HEAD, Role.ADMIN})


def audit_scopes(user) -> list:
    """The 信访部门 whose staff's look-ups this user may read (leaders, supervisors, heads, admins)."""
    return [seat.unit for seat in seats_of(user) if seat.unit.is_bureau and seat.roles & AUDIT_READER_ROLES]


def can_read_audit(user) -> bool:
    return sees_everything(user) or bool(audit_scopes(user))


def personal_data_views(
    *,
    user,
    number: str = "",
    username: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditLog]:
    """Views and downloads of personal data by staff of the reader's units and those below, newest first."""
    entries = AuditLog.objects.filter(action__in=PERSONAL_DATA_ACTIONS).select_related("user")
    if not sees_everything(user):
        within = Q()
        for unit in audit_scopes(user):
            within |= Q(unit__path__startswith=unit.path)
        if not within:
            return entries.none()
        staff = Membership.objects.filter(within, user=OuterRef("user"))
        entries = entries.filter(Exists(staff))
    if number:  # a case number, or a message number ("W…") from the screening queue
        entries = entries.filter(Q(detail__number=number.strip()) | Q(detail__message=number.strip()))
    if username:
        entries = entries.filter(Q(user__username=username.strip()) | Q(user__full_name=username.strip()))
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    return entries.order_by("-at", "-id")
