"""Who may write, send, read and review 信息报送 — and the one gate (style.md §8).

* A unit sees its own submissions, drafts included (any member of the unit).
* A 信访部门 sees what was sent up from its subtree (never someone else's draft), like cases
  (`xinfang.orgs.access.visible_unit_ids`). Siblings and units below see nothing of each other's.
* Items go to the nearest 信访部门 above the unit; only that bureau's 分办员、督办员、领导 and
  负责人 review them.
* Missing and forbidden both answer 404 (`get_submission_for_user`).
"""

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from xinfang.orgs.access import bureau_unit_ids, seats_of, sees_everything
from xinfang.orgs.models import Role, Unit
from xinfang.reporting.choices import SubmissionStatus
from xinfang.reporting.models import Submission

WRITER_ROLES = frozenset({Role.REGISTRAR, Role.DISPATCHER, Role.HANDLER, Role.UNIT_HEAD, Role.SUPERVISOR})
SUBMITTER_ROLES = frozenset({Role.REGISTRAR, Role.DISPATCHER, Role.UNIT_HEAD})
REVIEWER_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.UNIT_HEAD})


def submitting_roles() -> frozenset[str]:
    """With REPORT_SIGNOFF_REQUIRED only the unit head sends (and so signs) what the unit reports."""
    return frozenset({Role.UNIT_HEAD}) if settings.REPORT_SIGNOFF_REQUIRED else SUBMITTER_ROLES


def reviewing_unit_for(unit: Unit) -> Unit | None:
    """The nearest active 信访部门 above the unit: where its items are sent (None at the top)."""
    ancestor = unit.parent
    while ancestor is not None:
        if ancestor.is_bureau and ancestor.is_active:
            return ancestor
        ancestor = ancestor.parent
    return None


def _roles_at(user, unit_id: int) -> frozenset[str]:
    for seat in seats_of(user):
        if seat.unit.pk == unit_id:
            return seat.roles
    return frozenset()


def writing_units(user) -> list[Unit]:
    """Units the user may draft items for: a writing role there and a 信访部门 above it."""
    return [
        seat.unit
        for seat in seats_of(user)
        if seat.roles & WRITER_ROLES and reviewing_unit_for(seat.unit) is not None
    ]


def reviewing_units(user) -> list[Unit]:
    """信访部门 whose incoming items the user reviews."""
    return [seat.unit for seat in seats_of(user) if seat.unit.is_bureau and seat.roles & REVIEWER_ROLES]


def can_write(user, submission: Submission) -> bool:
    return bool(_roles_at(user, submission.unit_id) & WRITER_ROLES)


def can_submit(user, submission: Submission) -> bool:
    return bool(_roles_at(user, submission.unit_id) & submitting_roles())


def can_review(user, submission: Submission) -> bool:
    return bool(_roles_at(user, submission.to_unit_id) & REVIEWER_ROLES)


def submissions_visible_to(user, queryset: QuerySet[Submission] | None = None) -> QuerySet[Submission]:
    """Scope a queryset to what the user may read."""
    queryset = Submission.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return queryset.none()
    own = [seat.unit.pk for seat in seats_of(user)]
    if sees_everything(user):
        return queryset.filter(Q(unit_id__in=own) | ~Q(status=SubmissionStatus.DRAFT))
    below = bureau_unit_ids(user)
    if not own:
        return queryset.none()
    sent_up = ~Q(status=SubmissionStatus.DRAFT) & (Q(unit_id__in=below) | Q(to_unit_id__in=own))
    return queryset.filter(Q(unit_id__in=own) | sent_up)


def get_submission_for_user(user, pk) -> Submission:
    """The submission if the user may read it; Http404 alike for missing and forbidden."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("报送信息不存在或无权查看。")) from None
    found = (
        submissions_visible_to(user)
        .select_related("unit", "to_unit", "author", "signer", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404(_("报送信息不存在或无权查看。"))
    return found


def get_submission_attachment_for_user(user, pk, attachment_id):
    """(submission, attachment) behind the submission's gate; Http404 alike for missing and forbidden."""
    submission = get_submission_for_user(user, pk)
    attachment = submission.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("附件不存在。"))
    return submission, attachment
