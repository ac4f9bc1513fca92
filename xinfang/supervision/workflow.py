"""What may be done to a supervision, by whom: one step table and one guard (like cases/workflow.py).

`STEPS` says, for each step after opening, the statuses it starts from, the status it leads to, the
side that takes it (the supervising 信访部门 or the supervised unit) and the roles there. The status
change itself is checked against `choices.ALLOWED_TRANSITIONS`. Services call `supervision_begin`
inside their transaction: it locks the row, checks the version the user saw, and runs the guard.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.orgs.access import seats_of
from xinfang.orgs.models import Unit
from xinfang.supervision.access import REPLY_ROLES, SUPERVISING_ROLES
from xinfang.supervision.choices import ALLOWED_TRANSITIONS, SupervisionStatus
from xinfang.supervision.models import Supervision

SS = SupervisionStatus
SUPERVISING = "supervising"  # a seat at the 信访部门 that opened the supervision
SUPERVISED = "supervised"  # a seat at the supervised unit

STALE_MESSAGE = gettext_lazy("该督办已被他人处理，请刷新页面查看最新情况。")


class SupervisionRefused(PermissionDenied):
    """The user may see the supervision but may not take this step (HTTP 403)."""


class SupervisionConflict(ValidationError):
    """The supervision is not (or no longer) where this step starts, or the step breaks a rule (HTTP 409)."""


@dataclass(frozen=True)
class SupervisionStep:
    code: str
    label: str
    statuses: frozenset[str]
    to_status: str
    side: str
    roles: frozenset[str]


def _s(code, label, statuses, to_status, side, roles) -> SupervisionStep:
    return SupervisionStep(code, label, frozenset(statuses), to_status, side, frozenset(roles))


STEPS: dict[str, SupervisionStep] = {
    s.code: s
    for s in (
        # The supervised unit answers in writing (书面反馈, 2022 条例 §40), once per round.
        _s("reply", gettext_lazy("书面回复"), {SS.OPEN}, SS.REPLIED, SUPERVISED, REPLY_ROLES),
        # The 信访部门 accepts the reply ...
        _s("close", gettext_lazy("审核办结"), {SS.REPLIED}, SS.CLOSED, SUPERVISING, SUPERVISING_ROLES),
        # ... or supervises again with a new deadline, noting 约谈/通报/挂牌督办 where taken (§39).
        _s(
            "escalate",
            gettext_lazy("再次督办"),
            {SS.OPEN, SS.REPLIED},
            SS.OPEN,
            SUPERVISING,
            SUPERVISING_ROLES,
        ),
    )
}


def check_transition(from_status: str, to_status: str) -> None:
    """The one guard of the status table."""
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, ()):
        raise SupervisionConflict(
            _("督办当前状态为“%(from)s”，不能变更为“%(to)s”。")
            % {"from": SS(from_status).label, "to": SS(to_status).label},
            code="invalid_transition",
        )


def acting_unit(user, supervision: Supervision, step: SupervisionStep) -> Unit | None:
    """The unit in which `user` may take `step` on `supervision` (ignoring its status), or None."""
    wanted = supervision.unit_id if step.side == SUPERVISING else supervision.target_unit_id
    for seat in seats_of(user):
        if seat.unit.pk == wanted and seat.roles & step.roles:
            return seat.unit
    return None


def _status_message(supervision: Supervision, step: SupervisionStep) -> str:
    if supervision.status == SS.CLOSED:
        return _("该督办已办结，不能再“%(step)s”。") % {"step": step.label}
    if step.code == "reply" and supervision.status == SS.REPLIED:
        return _("本轮督办已经回复，正在等待督办单位审核。")
    return _("督办当前状态为“%(status)s”，不能“%(step)s”。") % {
        "status": supervision.get_status_display(),
        "step": step.label,
    }


def step_refusal(user, supervision: Supervision, step: SupervisionStep, *, seen_version=None):
    """(kind, message) when the step may not be taken now ("forbidden" or "conflict"), else None.

    Who comes first: a side that may never take the step is refused (403) whatever the status; the
    right side is told why the step does not fit now (409), or that someone else acted meanwhile.
    """
    if acting_unit(user, supervision, step) is None:
        if step.side == SUPERVISED:
            return "forbidden", _("只有被督办单位可以“%(step)s”。") % {"step": step.label}
        return "forbidden", _("只有督办单位的办信、督办人员或领导可以“%(step)s”。") % {"step": step.label}
    if supervision.status not in step.statuses:
        if seen_version not in (None, "") and str(seen_version) != str(supervision.version):
            return "conflict", str(STALE_MESSAGE)
        return "conflict", _status_message(supervision, step)
    return None


def steps_for(user, supervision: Supervision) -> list[SupervisionStep]:
    """The steps this user may take on this supervision now (the detail page's buttons)."""
    return [step for step in STEPS.values() if step_refusal(user, supervision, step) is None]


def supervision_begin(
    *, supervision: Supervision, actor, code: str, expected_version: int | None = None
) -> tuple[Supervision, Unit]:
    """Lock the row, check nobody changed it meanwhile and that `actor` may take `code` now.

    Returns the locked supervision and the unit the actor acts for. Call inside the step's transaction.
    """
    step = STEPS[code]
    locked = Supervision.objects.select_for_update().get(pk=supervision.pk)
    if expected_version not in (None, "") and int(expected_version) != locked.version:
        raise SupervisionConflict(str(STALE_MESSAGE), code="stale")
    locked = Supervision.objects.select_related(
        "case", "case__rule_set", "unit", "target_unit", "letter"
    ).get(pk=locked.pk)
    refusal = step_refusal(actor, locked, step)
    if refusal:
        kind, message = refusal
        if kind == "forbidden":
            raise SupervisionRefused(message)
        raise SupervisionConflict(message, code="conflict")
    check_transition(locked.status, step.to_status)
    return locked, acting_unit(actor, locked, step)
