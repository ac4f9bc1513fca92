"""The one access gate for cases: missing and forbidden both answer "not found" (style.md §8)."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from xinfang.cases.models import Case, CaseUnit
from xinfang.orgs.access import bureau_unit_ids, seats_of, sees_everything, visible_unit_ids
from xinfang.orgs.models import Role, Unit


def cases_visible_to(user, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Scope a case queryset to what the user may see (via the CaseUnit visibility table)."""
    queryset = Case.objects.all() if queryset is None else queryset
    if sees_everything(user):
        return queryset
    unit_ids = visible_unit_ids(user)
    if not unit_ids:
        return queryset.none()
    links = CaseUnit.objects.filter(case=OuterRef("pk"), unit_id__in=unit_ids)
    return queryset.filter(Exists(links))


def get_case_for_user(user, *, number: str | None = None, pk: int | None = None) -> Case:
    """Return the case if the user may see it; otherwise raise Http404, the same for missing and forbidden."""
    if not user.is_authenticated:
        raise Http404(_("信访件不存在或无权查看。"))
    lookup = {"number": number} if number is not None else {"pk": pk}
    case = (
        cases_visible_to(
            user,
            Case.objects.select_related("channel", "purpose", "category", "owner_unit", "registering_unit"),
        )
        .filter(**lookup)
        .first()
    )
    if case is None:
        raise Http404(_("信访件不存在或无权查看。"))
    return case


def can_see_identity(user, case: Case) -> bool:
    """Whether the petitioner's identity and contact details may be shown to this user.

    检举控告: identity is never disclosed to the accused person or unit (2022 条例 §30 ¶3, §46(五));
    only 信访部门 staff above the handling unit see it. Other purposes: anyone who can see the case.
    """
    if not case.protects_identity:
        return True
    if sees_everything(user):
        return True
    return CaseUnit.objects.filter(case=case, unit_id__in=bureau_unit_ids(user)).exists()


def get_attachment_for_user(user, *, number: str, attachment_id: int):
    """(case, attachment) for a scanned file the user may open; Http404 alike for missing and forbidden.

    A scanned 检举 letter would reveal its writer: only those who may see the identity get it
    (2022 条例 §30 ¶3).
    """
    case = get_case_for_user(user, number=number)
    attachment = case.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(_("附件不存在。"))
    if not can_see_identity(user, case):
        raise Http404(_("附件不存在。"))
    return case, attachment


def without_hidden_identities(user, queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Drop 检举控告 cases whose petitioner this user may not know about.

    For searches by a person (name, phone, ID number): finding a whistleblower's case by their name
    would disclose that they reported — the same secret as their name on the page (2022 条例 §30 ¶3).
    """
    if sees_everything(user):
        return queryset
    bureau_links = CaseUnit.objects.filter(case=OuterRef("pk"), unit_id__in=bureau_unit_ids(user))
    return queryset.filter(Q(purpose__protects_identity=False) | Exists(bureau_links))


# Who reads a petitioner's personal data (name, phone, ID number, address) in full in a bulk export:
# the staff who deal with petitioners — registrars, dispatchers, handlers, unit heads and admins — of
# a unit linked to the case (a 信访部门 seat covers its subtree). Leaders and supervisors read lists
# for statistics and get them masked, as on the 排查调处 ledger (docs/exports.md, docs/permissions.md).
PERSONAL_DATA_ROLES = frozenset({Role.REGISTRAR, Role.DISPATCHER, Role.HANDLER, Role.UNIT_HEAD, Role.ADMIN})


def personal_data_unit_ids(user) -> set[int]:
    """Units whose cases' personal data this user may export in full (see PERSONAL_DATA_ROLES)."""
    ids: set[int] = set()
    for seat in seats_of(user):
        if not seat.roles & PERSONAL_DATA_ROLES:
            continue
        if seat.unit.is_bureau:
            ids.update(Unit.objects.filter(path__startswith=seat.unit.path).values_list("pk", flat=True))
        else:
            ids.add(seat.unit.pk)
    return ids
