"""What may be done to a case, by whom, where: one table of actions and one guard (domain.md §5).

`ACTIONS` says, for every step of the journey, the statuses it starts from, the roles that may take it
and at which unit (the holder, a 信访部门 above the unit that answered, or a 协办 unit). The status
change itself is checked by the transition table in `choices.py`; a step's own precondition (e.g.
"an extension is pending") is a named check here. The services in `steps.py` call `action_begin`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.choices import CaseUnitRole, RecordStatus
from xinfang.cases.models import Case, CaseUnit, Dispatch
from xinfang.cases.services import lock_case
from xinfang.orgs.access import seats_of
from xinfang.orgs.models import Role, Unit

HOLDER = "holder"  # the unit that holds the case now (Case.owner_unit)
ABOVE = "above"  # a 信访部门 above the unit that answered (复查/复核 requests, evaluations)
HOLDER_OR_ABOVE = "holder_or_above"
HOLDER_OR_ASSISTING = "holder_or_assisting"  # 主办 + 协办 units (issue 3 §6)

DISPATCHER, HANDLER, HEAD, REGISTRAR = Role.DISPATCHER, Role.HANDLER, Role.UNIT_HEAD, Role.REGISTRAR
SUPERVISOR = Role.SUPERVISOR  # 督办员: reviews 办结报告 and calls petitioners back (回访)
STAFF = frozenset({DISPATCHER, HANDLER, HEAD})

UNDISPOSED = frozenset({S.REGISTERED, S.RETURNED, S.SIGNED})
UNDER_ANSWER = frozenset({S.HANDLING, S.RECHECK, S.REREVIEW})
ANSWERED = frozenset({S.SERVED, S.REPORTED, S.CLOSED, S.RECHECK_SERVED, S.FINAL})


class ActionRefused(PermissionDenied):
    """The user may see the case but may not take this step (HTTP 403)."""


class ActionConflict(ValidationError):
    """The case is not (or no longer) where this step starts (HTTP 409)."""


@dataclass(frozen=True)
class Action:
    code: str
    label: str
    statuses: frozenset[str]
    roles: frozenset[str]
    where: str = HOLDER
    bureau_only: bool = False  # 转送/交办/存档 are powers of a 信访部门 (2022 条例 §22)
    check: str = ""  # name of a precondition in CHECKS
    primary: bool = False  # shown as the big "next step" button


def _a(code, label, statuses, roles, **kw) -> Action:
    return Action(code=code, label=label, statuses=frozenset(statuses), roles=frozenset(roles), **kw)


ACTIONS: dict[str, Action] = {
    a.code: a
    for a in (
        # Disposition by the holder, ≤15日 (§22; §23 for a body that received the petition directly).
        _a("transfer", gettext_lazy("转送"), UNDISPOSED, {DISPATCHER, HEAD}, bureau_only=True, primary=True),
        _a("assign", gettext_lazy("交办"), UNDISPOSED, {DISPATCHER, HEAD}, bureau_only=True, primary=True),
        _a("accept", gettext_lazy("受理"), UNDISPOSED, STAFF, primary=True),
        _a("inform", gettext_lazy("告知信访人向有权机关提出"), UNDISPOSED, STAFF),
        _a("divert", gettext_lazy("导入法定程序"), UNDISPOSED, STAFF),
        _a("not_accept", gettext_lazy("不予受理"), UNDISPOSED, STAFF),
        _a("no_longer_accept", gettext_lazy("不再受理"), UNDISPOSED, STAFF),
        _a("archive", gettext_lazy("存档"), {S.REGISTERED, S.RETURNED}, {DISPATCHER, HEAD}, bureau_only=True),
        _a("split", gettext_lazy("一信多事，拆分登记"), UNDISPOSED, {DISPATCHER, HEAD}, check="not_split"),
        # The receiving unit: sign for it, or object within 5 working days (§23 ¶3).
        _a("sign", gettext_lazy("签收"), {S.PENDING_SIGN}, STAFF, primary=True),
        _a("object", gettext_lazy("退回（提出异议）"), {S.PENDING_SIGN, S.SIGNED}, STAFF, check="dispatched"),
        # Handling, ≤60日, one extension ≤30日 approved by the head (§34).
        _a(
            "note",
            gettext_lazy("记录办理情况"),
            UNDER_ANSWER | {S.OPINION_ISSUED},
            STAFF,
            where=HOLDER_OR_ASSISTING,
        ),
        _a("extension_request", gettext_lazy("申请延期"), {S.HANDLING}, STAFF, check="may_extend"),
        _a(
            "extension_decide",
            gettext_lazy("审批延期"),
            {S.HANDLING},
            {HEAD},
            check="extension_pending",
            primary=True,
        ),
        _a(
            "opinion_draft",
            gettext_lazy("拟写意见书"),
            UNDER_ANSWER,
            STAFF,
            check="no_opinion_open",
            primary=True,
        ),
        _a(
            "opinion_decide",
            gettext_lazy("审签意见书"),
            UNDER_ANSWER,
            {HEAD},
            check="opinion_pending",
            primary=True,
        ),
        _a(
            "serve",
            gettext_lazy("送达"),
            UNDER_ANSWER | {S.OPINION_ISSUED},
            STAFF,
            check="opinion_approved",
            primary=True,
        ),
        _a("settle", gettext_lazy("调解、和解结案"), UNDER_ANSWER, STAFF),
        # 交办: the 办结报告 goes to the assigning 信访部门, which approves or sends it back (§22(三)).
        _a("report_submit", gettext_lazy("报送办结报告"), {S.SERVED}, STAFF, primary=True),
        _a(
            "report_decide",
            gettext_lazy("审核办结报告"),
            {S.REPORTED},
            {DISPATCHER, HEAD, SUPERVISOR},
            primary=True,
        ),
        # After the answer: evaluation, then 复查 (≤30日) and 复核 (≤30日) to the bodies above (§35, §36).
        _a(
            "evaluate",
            gettext_lazy("录入满意度评价"),
            ANSWERED,
            STAFF | {REGISTRAR, SUPERVISOR},
            where=HOLDER_OR_ABOVE,
            check="served",
        ),
        _a(
            "recheck_request",
            gettext_lazy("登记复查申请"),
            {S.SERVED, S.CLOSED},
            {REGISTRAR, DISPATCHER, HEAD},
            where=ABOVE,
            check="handle_served",
        ),
        _a(
            "rereview_request",
            gettext_lazy("登记复核申请"),
            {S.RECHECK_SERVED},
            {REGISTRAR, DISPATCHER, HEAD},
            where=ABOVE,
        ),
        _a(
            "hearing_start",
            gettext_lazy("开始听证（暂停计时）"),
            {S.REREVIEW},
            STAFF,
            check="no_hearing_open",
        ),
        _a(
            "hearing_end",
            gettext_lazy("听证结束（恢复计时）"),
            {S.REREVIEW},
            STAFF,
            check="hearing_open",
            primary=True,
        ),
    )
}


# --- Preconditions: None when the step may be taken, else the reason it may not ----------------


def _open_dispatch(case: Case) -> Dispatch | None:
    return (
        case.dispatches.filter(to_unit=case.owner_unit_id, returned_at__isnull=True).order_by("-id").first()
    )


def _check_dispatched(case):
    return None if _open_dispatch(case) else _("本件不是上级交转来的，无需退回。")


def _check_may_extend(case):
    if case.extensions.exclude(status=RecordStatus.REFUSED).exists():
        return _("本件已申请过延期。按《信访工作条例》第三十四条，延期只能一次。")
    return None


def _check_extension_pending(case):
    return (
        None if case.extensions.filter(status=RecordStatus.PENDING).exists() else _("没有待审批的延期申请。")
    )


def _stage_opinions(case):
    from xinfang.cases.steps import stage_of

    return case.opinions.filter(stage=stage_of(case.status))


def _check_no_opinion_open(case):
    if case.status == S.OPINION_ISSUED:
        return _("意见书已签发，请送达。")
    opinions = _stage_opinions(case)
    if (
        opinions.filter(status=RecordStatus.PENDING).exists()
        or opinions.filter(status=RecordStatus.APPROVED, served_on__isnull=True).exists()
    ):
        return _("本环节的意见书已拟写，正在审签或待送达。")
    return None


def _check_opinion_pending(case):
    return (
        None
        if _stage_opinions(case).filter(status=RecordStatus.PENDING).exists()
        else _("没有待审签的意见书。")
    )


def _check_opinion_approved(case):
    ok = _stage_opinions(case).filter(status=RecordStatus.APPROVED, served_on__isnull=True).exists()
    return None if ok else _("没有已签发、待送达的意见书。")


def _check_served(case):
    return None if case.served_on else _("意见书尚未送达，还不能评价。")


def _check_handle_served(case):
    return None if case.served_on else _("处理意见书尚未送达。")


def _check_hearing_open(case):
    return None if case.hearings.filter(ended_on__isnull=True).exists() else _("没有进行中的听证。")


def _check_no_hearing_open(case):
    return _("听证正在进行中。") if case.hearings.filter(ended_on__isnull=True).exists() else None


def _check_not_split(case):
    return _("本件是拆分出来的，不再拆分。") if case.split_from_id else None


CHECKS: dict[str, Callable[[Case], str | None]] = {
    "dispatched": _check_dispatched,
    "may_extend": _check_may_extend,
    "extension_pending": _check_extension_pending,
    "no_opinion_open": _check_no_opinion_open,
    "opinion_pending": _check_opinion_pending,
    "opinion_approved": _check_opinion_approved,
    "served": _check_served,
    "handle_served": _check_handle_served,
    "hearing_open": _check_hearing_open,
    "no_hearing_open": _check_no_hearing_open,
    "not_split": _check_not_split,
}


# --- The guard ----------------------------------------------------------------------------------


def answering_unit(case: Case) -> Unit:
    """The unit whose answer a 复查/复核 request or an evaluation is about (else the holder)."""
    return case.handling_unit or case.owner_unit


def is_above(upper: Unit, lower: Unit) -> bool:
    return upper.pk != lower.pk and lower.path.startswith(upper.path)


def _seat_fits(action: Action, seat, case: Case) -> bool:
    unit = seat.unit
    holder = unit.pk == case.owner_unit_id
    above = unit.is_bureau and is_above(unit, answering_unit(case))
    if action.where == HOLDER:
        return holder
    if action.where == ABOVE:
        return above
    if action.where == HOLDER_OR_ABOVE:
        return holder or above
    assisting = CaseUnit.objects.filter(case=case, unit=unit, role=CaseUnitRole.ASSISTING).exists()
    return holder or assisting


def acting_unit(user, case: Case, action: Action) -> Unit | None:
    """The unit in which `user` may take `action` on `case` (ignoring status), or None."""
    for seat in seats_of(user):
        if seat.roles & action.roles and _seat_fits(action, seat, case):
            return seat.unit
    return None


STALE_MESSAGE = gettext_lazy("该信访件已被他人处理，请刷新页面查看最新情况。")


def action_refusal(user, case: Case, action: Action, *, seen_version=None) -> tuple[str, str] | None:
    """(kind, message) when the step may not be taken now: kind is "forbidden" or "conflict".

    `seen_version` is the version the user's form was built from: when the case moved on since, the
    user is told that someone else handled it (已被他人处理) rather than why the step no longer fits.
    """
    if case.status not in action.statuses:
        if seen_version is not None and str(seen_version) != str(case.version):
            return "conflict", str(STALE_MESSAGE)
        return "conflict", _("信访件当前状态为“%(status)s”，不能“%(action)s”。") % {
            "status": case.get_status_display(),
            "action": action.label,
        }
    if action.bureau_only and not case.owner_unit.is_bureau:
        return "forbidden", _("只有信访部门可以“%(action)s”。") % {"action": action.label}
    if acting_unit(user, case, action) is None:
        return "forbidden", _("您在本件当前所在单位没有“%(action)s”的权限。") % {"action": action.label}
    problem = CHECKS[action.check](case) if action.check else None
    if problem:
        return "conflict", problem
    return None


def actions_for(user, case: Case) -> list[Action]:
    """The steps this user may take on this case now, primary ones first (the detail page's buttons)."""
    allowed = [a for a in ACTIONS.values() if action_refusal(user, case, a) is None]
    return sorted(allowed, key=lambda a: not a.primary)


def action_begin(*, case: Case, actor, code: str, expected_version: int | None) -> tuple[Case, Unit]:
    """Lock the case, check that nobody changed it meanwhile and that `actor` may take `code` now.

    Returns the locked case and the unit the actor acts for. Call inside the step's transaction.
    """
    action = ACTIONS[code]
    try:
        locked = lock_case(case, expected_version=expected_version)
    except ValidationError as exc:
        raise ActionConflict(str(STALE_MESSAGE), code="stale") from exc
    locked = Case.objects.select_related("owner_unit", "handling_unit", "purpose", "rule_set").get(
        pk=locked.pk
    )
    refusal = action_refusal(actor, locked, action)
    if refusal:
        kind, message = refusal
        if kind == "forbidden":
            raise ActionRefused(message)
        raise ActionConflict(message, code="conflict")
    return locked, acting_unit(actor, locked, action)


def petitioner_begin(*, case: Case, code: str) -> Case:
    """The petitioner's own steps on the portal (评价, 复查/复核申请): no staff seat, the same status rules."""
    action = ACTIONS[code]
    locked = lock_case(case)
    locked = Case.objects.select_related("owner_unit", "handling_unit", "purpose", "rule_set").get(
        pk=locked.pk
    )
    if locked.status not in action.statuses:
        raise ActionConflict(
            _("信访件当前状态为“%(status)s”，不能“%(action)s”。")
            % {"status": locked.get_status_display(), "action": action.label},
            code="conflict",
        )
    problem = CHECKS[action.check](locked) if action.check else None
    if problem:
        raise ActionConflict(problem, code="conflict")
    return locked
