"""Who may urge, supervise, reply, draw and call back — and the gates that answer 404 alike.

- 催办 and 督办 are powers of a 信访部门 (2022 条例 §14, §40) over the units below it: its dispatchers
  (办信/接访员), supervisors (督办员), leaders and unit head. The nearest such bureau above the unit
  acts.
- The supervised unit's staff reply in writing; they see only the supervisions of their own unit.
- A bureau sees the supervisions of its subtree; another county sees nothing (404, like cases).
- 抽查回访: only supervisors and leaders of a 信访部门 draw; a callback task is seen by the person it is
  assigned to and by the drawing bureau's supervisors and leaders.
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from xinfang.cases.workflow import is_above
from xinfang.orgs.access import seats_of, sees_everything, visible_unit_ids
from xinfang.orgs.models import Role, Unit
from xinfang.supervision.models import Callback, CallbackDraw, Supervision

SUPERVISING_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.UNIT_HEAD})
REPLY_ROLES = frozenset({Role.HANDLER, Role.DISPATCHER, Role.UNIT_HEAD})
DRAW_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER})
LEADER_ROLES = frozenset({Role.LEADER})


def supervising_unit_for(user, target: Unit) -> Unit | None:
    """The nearest 信访部门 above `target` where `user` holds a supervising role, or None."""
    fitting = [
        seat.unit
        for seat in seats_of(user)
        if seat.unit.is_bureau and seat.roles & SUPERVISING_ROLES and is_above(seat.unit, target)
    ]
    return max(fitting, key=lambda unit: len(unit.path), default=None)


def supervising_units(user) -> list[Unit]:
    """信访部门 where the user may urge and supervise (for the lists and the case page)."""
    return [seat.unit for seat in seats_of(user) if seat.unit.is_bureau and seat.roles & SUPERVISING_ROLES]


def replying_units(user) -> list[Unit]:
    """Units whose supervisions the user answers."""
    return [seat.unit for seat in seats_of(user) if seat.roles & REPLY_ROLES]


def draw_units(user) -> list[Unit]:
    """信访部门 for which the user draws callback samples (supervisors and leaders only)."""
    return [seat.unit for seat in seats_of(user) if seat.unit.is_bureau and seat.roles & DRAW_ROLES]


def is_leader(user) -> bool:
    return any(seat.unit.is_bureau and seat.roles & LEADER_ROLES for seat in seats_of(user))


def supervisions_visible_to(user, queryset: QuerySet[Supervision] | None = None) -> QuerySet[Supervision]:
    """A bureau: the supervisions it or a unit below it gave or received; a unit: those it received."""
    queryset = Supervision.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return queryset
    ids = visible_unit_ids(user)
    if not ids:
        return queryset.none()
    return queryset.filter(Q(unit_id__in=ids) | Q(target_unit_id__in=ids))


def get_supervision_for_user(user, pk: int) -> Supervision:
    """The supervision if the user may see it; else Http404, the same for missing and forbidden."""
    if not user.is_authenticated:
        raise Http404(_("督办不存在或无权查看。"))
    related = ("case", "case__purpose", "case__rule_set", "unit", "target_unit", "letter", "opened_by")
    found = supervisions_visible_to(user, Supervision.objects.select_related(*related)).filter(pk=pk).first()
    if found is None:
        raise Http404(_("督办不存在或无权查看。"))
    return found


def get_reply_attachment_for_user(user, pk: int, attachment_id: int):
    """(supervision, attachment) of a reply behind the supervision's gate; Http404 alike otherwise."""
    from xinfang.supervision.models import SupervisionAttachment

    supervision = get_supervision_for_user(user, pk)
    attachment = SupervisionAttachment.objects.filter(
        pk=attachment_id, reply__supervision=supervision
    ).first()
    if attachment is None:
        raise Http404(_("附件不存在。"))
    return supervision, attachment


def _draw_scope(user) -> Q:
    paths = [unit.path for unit in draw_units(user)]
    scope = Q(pk__in=[])
    for path in paths:
        scope |= Q(unit__path__startswith=path)
    return scope


def draws_visible_to(user) -> QuerySet[CallbackDraw]:
    if sees_everything(user):
        return CallbackDraw.objects.all()
    return CallbackDraw.objects.filter(_draw_scope(user))


def callbacks_visible_to(user) -> QuerySet[Callback]:
    """My own tasks, and every task of the draws I may see as a supervisor or leader."""
    if sees_everything(user):
        return Callback.objects.all()
    if not user.is_authenticated:
        return Callback.objects.none()
    draws = draws_visible_to(user).values("pk")
    return Callback.objects.filter(Q(assignee=user) | Q(draw__in=draws))


def get_draw_for_user(user, pk: int) -> CallbackDraw:
    if not user.is_authenticated:
        raise Http404(_("抽取记录不存在或无权查看。"))
    found = draws_visible_to(user).select_related("unit", "drawn_by").filter(pk=pk).first()
    if found is None:
        raise Http404(_("抽取记录不存在或无权查看。"))
    return found


def get_callback_for_user(user, pk: int) -> Callback:
    related = ("case", "case__purpose", "draw", "draw__unit", "unit", "assignee")
    found = callbacks_visible_to(user).select_related(*related).filter(pk=pk).first()
    if found is None:
        raise Http404(_("回访任务不存在或无权查看。"))
    return found


def may_manage_draw(user, draw: CallbackDraw) -> bool:
    """Supervisors and leaders of the drawing bureau (or above it) reassign and cover its calls."""
    if sees_everything(user):
        return True
    return any(draw.unit.path.startswith(unit.path) for unit in draw_units(user))


def may_call(user, callback: Callback) -> bool:
    return callback.assignee_id == user.pk or may_manage_draw(user, callback.draw)
