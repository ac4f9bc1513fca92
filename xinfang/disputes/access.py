"""The one access gate for the 排查调处 ledger: missing and forbidden both answer "not found" (style.md §8).

- A township or department keeps its own ledger: its registrars, handlers and head read and write it.
- A 信访部门 reads the ledgers of every unit below it (its subtree) through its dispatchers,
  supervisors, leaders and head, and acknowledges what was reported up (上报).
- Anyone else — a sibling township, a unit below, another county — sees nothing (404).

Parties' contacts are personal data: only the unit's own staff and the 信访部门's dispatchers,
supervisors and head see them in full (every such view is audited); leaders read the ledger masked.
"""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from xinfang.disputes.models import Dispute
from xinfang.orgs.access import seats_of, sees_everything
from xinfang.orgs.models import Role, Unit

UNIT_STAFF = frozenset({Role.REGISTRAR, Role.HANDLER, Role.UNIT_HEAD})
BUREAU_READERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.UNIT_HEAD})
BUREAU_CONTACT_READERS = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.UNIT_HEAD})


def _subtree_ids(unit: Unit) -> set[int]:
    return set(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


def _unit_ids(user, staff_roles: frozenset[str], bureau_roles: frozenset[str], cache: str) -> set[int]:
    cached = getattr(user, cache, None)
    if cached is not None:
        return cached
    ids: set[int] = set()
    for seat in seats_of(user):
        if seat.roles & staff_roles:
            ids.add(seat.unit.pk)
        if seat.unit.is_bureau and seat.roles & bureau_roles:
            ids |= _subtree_ids(seat.unit)
    setattr(user, cache, ids)
    return ids


def ledger_unit_ids(user) -> set[int]:
    """Units whose ledger the user may read."""
    return _unit_ids(user, UNIT_STAFF, BUREAU_READERS, "_xf_ledger_units")


def reads_a_ledger(user) -> bool:
    """Whether the user reads any unit's ledger (the list, its export and its print)."""
    return sees_everything(user) or bool(ledger_unit_ids(user))


def contact_unit_ids(user) -> set[int]:
    """Units whose parties' contacts the user may see in full."""
    return _unit_ids(user, UNIT_STAFF, BUREAU_CONTACT_READERS, "_xf_ledger_contact_units")


def writable_units(user) -> list[Unit]:
    """Units whose ledger the user keeps (registers and edits items in)."""
    return [seat.unit for seat in seats_of(user) if seat.roles & UNIT_STAFF]


def disputes_visible_to(user, queryset: QuerySet[Dispute] | None = None) -> QuerySet[Dispute]:
    """Scope a dispute queryset to the ledgers the user may read."""
    queryset = Dispute.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    if sees_everything(user):
        return queryset
    unit_ids = ledger_unit_ids(user)
    if not unit_ids:
        return queryset.none()
    return queryset.filter(unit_id__in=unit_ids)


def get_dispute_for_user(user, number: str) -> Dispute:
    """Return the dispute if the user may read it; otherwise Http404, the same for missing and forbidden."""
    if not user.is_authenticated:
        raise Http404(_("矛盾纠纷不存在或无权查看。"))
    dispute = (
        disputes_visible_to(
            user,
            Dispute.objects.select_related(
                "unit", "responsible", "leader", "category", "region", "reported_by", "acknowledged_by"
            ),
        )
        .filter(number=number)
        .first()
    )
    if dispute is None:
        raise Http404(_("矛盾纠纷不存在或无权查看。"))
    return dispute


def can_see_contacts(user, dispute: Dispute) -> bool:
    if sees_everything(user):
        return True
    return dispute.unit_id in contact_unit_ids(user)


def is_above(upper: Unit, lower: Unit) -> bool:
    return upper.pk != lower.pk and lower.path.startswith(upper.path)
