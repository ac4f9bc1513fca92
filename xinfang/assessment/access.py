"""Who may do what with an assessment (issue 6 §4). One gate per object; 404 for missing and forbidden.

* The assessing 信访局's supervisors, leaders and heads (督查、领导、单位负责人) manage its rule sets:
  edit rules, enter key-task points, compute, adjust, finalize, export, see every unit's score.
* An assessed unit's staff see their own unit's score once the rule set is finalized, nothing else.
"""

from django.http import Http404

from xinfang.assessment.choices import RuleSetStatus
from xinfang.assessment.models import RuleSet
from xinfang.orgs.access import seats_of
from xinfang.orgs.models import Role, Unit

MANAGER_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.UNIT_HEAD})


def managed_bureaus(user) -> list[Unit]:
    """The 信访局 whose assessment the user runs."""
    return [seat.unit for seat in seats_of(user) if seat.unit.is_bureau and seat.roles & MANAGER_ROLES]


def manages(user, bureau: Unit) -> bool:
    return any(unit.pk == bureau.pk for unit in managed_bureaus(user))


def own_unit_ids(user) -> set[int]:
    return {seat.unit.pk for seat in seats_of(user)}


def _rule_set(pk) -> RuleSet:
    rule_set = RuleSet.objects.select_related("bureau").filter(pk=pk).first()
    if rule_set is None:
        raise Http404
    return rule_set


def rule_set_to_manage(user, pk) -> RuleSet:
    """The rule set, if the user runs its bureau's assessment; else 404."""
    rule_set = _rule_set(pk)
    if not manages(user, rule_set.bureau):
        raise Http404
    return rule_set


def rule_set_to_view(user, pk) -> tuple[RuleSet, set[int] | None]:
    """(rule set, the unit ids whose scores the user may see — None for all); 404 otherwise."""
    rule_set = _rule_set(pk)
    if manages(user, rule_set.bureau):
        return rule_set, None
    if rule_set.status != RuleSetStatus.FINALIZED:
        raise Http404
    mine = own_unit_ids(user) & set(rule_set.scores.values_list("unit_id", flat=True))
    if not mine:
        raise Http404
    return rule_set, mine


def unit_to_view(user, rule_set: RuleSet, visible: set[int] | None, unit_id) -> Unit:
    """An assessed unit of the rule set the user may see; 404 otherwise."""
    if visible is not None and unit_id not in visible:
        raise Http404
    score = rule_set.scores.select_related("unit").filter(unit_id=unit_id).first()
    if score is None:
        raise Http404
    return score.unit


def finalized_scores_for(user):
    """The finalized rule sets in which one of the user's units was scored (for the unit's own page)."""
    return (
        RuleSet.objects.filter(status=RuleSetStatus.FINALIZED, scores__unit_id__in=own_unit_ids(user))
        .select_related("bureau")
        .distinct()
        .order_by("-period_start")
    )
