"""What may be done to a dispute, by whom, from where: one table of actions and one guard.

`ACTIONS` names each step, the statuses it starts from, the roles that may take it and where the
user must sit (the reporting unit itself, or a 信访部门 above it). Status changes are checked by the
transition table in `choices.py` (`check_transition`). Services call `action_begin`.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.disputes.access import BUREAU_READERS, UNIT_STAFF, is_above
from xinfang.disputes.choices import ALLOWED_TRANSITIONS, CLOSED_STATUSES, OPEN_STATUSES, DisputeStatus
from xinfang.disputes.choices import DisputeStatus as S
from xinfang.disputes.models import Dispute
from xinfang.orgs.access import seats_of
from xinfang.orgs.models import Role, Unit

UNIT = "unit"  # the reporting unit itself
ABOVE = "above"  # a 信访部门 above the reporting unit
HEAD = frozenset({Role.UNIT_HEAD})
ALL_STATUSES = frozenset(S)


class DisputeRefused(PermissionDenied):
    """The user may read the dispute but may not take this step (HTTP 403)."""


class DisputeConflict(ValidationError):
    """The dispute is not (or no longer) where this step starts (HTTP 409)."""


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    statuses: frozenset[str]
    roles: frozenset[str]
    where: str = UNIT
    to_status: str = ""  # a status change, checked against ALLOWED_TRANSITIONS
    unreported_only: bool = False  # a reported item is read-only for the unit except measures and outcome
    primary: bool = False


def _a(code, label, statuses, roles, **kw) -> Action:
    return Action(code=code, label=label, statuses=frozenset(statuses), roles=frozenset(roles), **kw)


ACTIONS: dict[str, Action] = {
    a.code: a
    for a in (
        _a("edit", gettext_lazy("修改登记内容"), OPEN_STATUSES, UNIT_STAFF, unreported_only=True),
        _a("measure", gettext_lazy("记录化解措施"), OPEN_STATUSES, UNIT_STAFF),
        _a(
            "mediate",
            gettext_lazy("开始调处"),
            {S.REGISTERED},
            UNIT_STAFF,
            to_status=S.MEDIATING,
            primary=True,
        ),
        _a(
            "resolve",
            gettext_lazy("已化解"),
            {S.REGISTERED, S.MEDIATING, S.ESCALATED},
            UNIT_STAFF,
            to_status=S.RESOLVED,
            primary=True,
        ),
        # 未化解上报 is itself a report upward: only the unit head reports (docs/disputes.md).
        _a(
            "escalate",
            gettext_lazy("未化解，上报"),
            {S.REGISTERED, S.MEDIATING},
            HEAD,
            to_status=S.ESCALATED,
        ),
        _a(
            "to_petition",
            gettext_lazy("转入信访程序"),
            {S.REGISTERED, S.MEDIATING, S.ESCALATED},
            UNIT_STAFF,
            to_status=S.TO_PETITION,
        ),
        _a("link", gettext_lazy("关联已有信访件"), ALL_STATUSES, UNIT_STAFF),
        _a("report", gettext_lazy("上报信访部门"), ALL_STATUSES, HEAD, unreported_only=True, primary=True),
        _a("acknowledge", gettext_lazy("签收上报"), ALL_STATUSES, BUREAU_READERS, where=ABOVE, primary=True),
    )
}
TRANSITION_CODES = tuple(code for code, action in ACTIONS.items() if action.to_status)


def check_transition(from_status: str, to_status: str) -> None:
    """The one guard of the ledger's transition table."""
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, ()):
        raise DisputeConflict(
            _("该矛盾纠纷当前状态为“%(from)s”，不能变更为“%(to)s”。")
            % {"from": DisputeStatus(from_status).label, "to": DisputeStatus(to_status).label},
            code="invalid_transition",
        )


def acting_unit(user, dispute: Dispute, action: Action) -> Unit | None:
    """The unit in which `user` may take `action` on `dispute` (ignoring its state), or None."""
    for seat in seats_of(user):
        if not seat.roles & action.roles:
            continue
        if action.where == UNIT and seat.unit.pk == dispute.unit_id:
            return seat.unit
        if action.where == ABOVE and seat.unit.is_bureau and is_above(seat.unit, dispute.unit):
            return seat.unit
    return None


STALE_MESSAGE = gettext_lazy("该矛盾纠纷已被他人修改，请刷新页面查看最新情况。")


def _state_problem(dispute: Dispute, action: Action) -> str | None:
    if dispute.status not in action.statuses:
        if dispute.status in CLOSED_STATUSES:
            return _("该矛盾纠纷已办结（%(status)s），不能再“%(action)s”。") % {
                "status": dispute.get_status_display(),
                "action": action.label,
            }
        return _("该矛盾纠纷当前状态为“%(status)s”，不能“%(action)s”。") % {
            "status": dispute.get_status_display(),
            "action": action.label,
        }
    if action.unreported_only and dispute.reported_at is not None:
        return _("该矛盾纠纷已上报信访部门，只能补充化解措施和化解结果。")
    if action.code == "acknowledge" and dispute.reported_at is None:
        return _("该矛盾纠纷尚未上报，无需签收。")
    if action.code == "acknowledge" and dispute.acknowledged_at is not None:
        return _("该矛盾纠纷的上报已经签收。")
    return None


def action_refusal(user, dispute: Dispute, action: Action, *, seen_version=None) -> tuple[str, str] | None:
    """(kind, message) when the step may not be taken now: "forbidden" (403) or "conflict" (409)."""
    if acting_unit(user, dispute, action) is None:
        return "forbidden", _("您没有对该矛盾纠纷“%(action)s”的权限。") % {"action": action.label}
    if seen_version not in (None, "") and str(seen_version) != str(dispute.version):
        return "conflict", str(STALE_MESSAGE)
    problem = _state_problem(dispute, action)
    if problem:
        return "conflict", problem
    return None


def actions_for(user, dispute: Dispute) -> list[Action]:
    """The steps this user may take on this dispute now (the detail page's buttons)."""
    allowed = [a for a in ACTIONS.values() if action_refusal(user, dispute, a) is None]
    return sorted(allowed, key=lambda a: not a.primary)


def action_begin(*, dispute: Dispute, actor, code: str, expected_version=None) -> tuple[Dispute, Unit]:
    """Lock the dispute, then check that nobody changed it meanwhile and that `actor` may take `code`.

    Returns the locked dispute and the unit the actor acts for. Call inside the step's transaction.
    """
    action = ACTIONS[code]
    # Lock the dispute row only (not its unit: every item of a township would queue on that).
    locked = Dispute.objects.select_for_update().filter(pk=dispute.pk).first()
    if locked is None:
        raise DisputeConflict(str(STALE_MESSAGE), code="stale")
    refusal = action_refusal(actor, locked, action, seen_version=expected_version)
    if refusal:
        kind, message = refusal
        if kind == "forbidden":
            raise DisputeRefused(message)
        raise DisputeConflict(message, code="conflict")
    return locked, acting_unit(actor, locked, action)
