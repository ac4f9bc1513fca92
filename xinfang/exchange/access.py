"""Who may do what with exchange packages (one gate per object, style.md §8)."""

from django.http import Http404
from django.utils.translation import gettext as _

from xinfang.cases.access import can_see_identity, cases_visible_to
from xinfang.cases.workflow import ACTIONS, action_refusal
from xinfang.exchange.models import ExchangePackage, Peer
from xinfang.exchange.services import RESULT_ROLES, may_send_result
from xinfang.orgs.access import seats_of, sees_everything
from xinfang.orgs.models import Role

IMPORT_ROLES = frozenset({Role.REGISTRAR, *RESULT_ROLES})


def may_export_transfer(user, case) -> bool:
    """The export button: only for a case this user may 转送 or 交办 now (the workflow's own guard)."""
    return any(action_refusal(user, case, ACTIONS[code]) is None for code in ("transfer", "assign"))


def may_import(user) -> bool:
    """A registrar, dispatcher or head of a 信访部门 receives packages (a courier's job: the import
    itself acts as the peer's stand-in unit)."""
    if sees_everything(user):
        return True
    return any(seat.unit.is_bureau and seat.roles & IMPORT_ROLES for seat in seats_of(user))


def active_peers():
    return Peer.objects.filter(is_active=True).select_related("local_unit").order_by("name")


LIST_LIMIT = 200


def packages_for(user) -> list[ExchangePackage]:
    """The newest packages of the cases this user may see and whose petitioner they may know."""
    visible = cases_visible_to(user).values("pk")
    rows = ExchangePackage.objects.filter(case__in=visible).select_related("peer", "case", "case__purpose")
    return [p for p in rows[:LIST_LIMIT] if can_see_identity(user, p.case)]


def get_package_for_user(user, package_id) -> ExchangePackage:
    """The package if the user may see its case and, for one carrying identities, the petitioner too."""
    package = (
        ExchangePackage.objects.select_related("peer", "case", "case__purpose")
        .filter(package_id=package_id)
        .order_by("direction")  # loopback set-ups hold both: "in" before "out"
        .first()
    )
    if package is None or not cases_visible_to(user).filter(pk=package.case_id).exists():
        raise Http404(_("数据包不存在或无权查看。"))
    if not can_see_identity(user, package.case):
        raise Http404(_("数据包不存在或无权查看。"))
    return package


__all__ = ["may_send_result", "may_export_transfer", "may_import", "get_package_for_user", "active_peers"]
