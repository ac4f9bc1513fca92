"""保存的查询 (issue 6 §3): services (audited writes) and selectors for saved advanced searches.

Only the query string is stored. Running one validates it again (a unit or category removed since
gives a clear message) and goes through `case_search`, i.e. the runner's own visibility.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict
from django.utils.translation import gettext as _

from xinfang.cases.models import SavedSearch
from xinfang.common.services import audit_record
from xinfang.orgs.access import seats_of

NAME_MAX = 40


def _search_field_names() -> set[str]:
    from xinfang.cases.search import case_search_form

    return set(case_search_form(None).fields)


def normalize_query(raw: str) -> str:
    """Keep only the search form's own fields (no page, no stray parameters), non-empty, in order."""
    fields = _search_field_names()
    data = QueryDict(raw or "")
    pairs = [(key, value) for key, value in data.items() if key in fields and value.strip()]
    return urlencode(pairs)


def _check_query(query: str) -> None:
    from xinfang.cases.search import case_search_form

    if not query:
        raise ValidationError(_("没有可保存的查询条件，请先输入字词或选择条件。"), code="empty")
    if len(query) > 1000:
        raise ValidationError(_("查询条件太长，无法保存。"), code="too_long")
    form = case_search_form(QueryDict(query))
    if not form.is_valid():
        raise ValidationError(_("查询条件有误，请先改正再保存。"), code="invalid")


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写查询的名称。"), code="name_required")
    if len(name) > NAME_MAX:
        raise ValidationError(_("名称最多 %(n)s 个字。") % {"n": NAME_MAX}, code="name_too_long")
    return name


def _audit(user, action: str, saved: SavedSearch, request=None, via="web") -> None:
    audit_record(
        user=user,
        action=action,
        obj=saved,
        detail={"name": saved.name, "query": saved.query, "shared": saved.shared},
        request=request,
        via=via,
    )


@transaction.atomic
def saved_search_create(*, name: str, query: str, shared: bool, unit, acting_user, request=None, via="web"):
    """Save the query under a name; at most SAVED_SEARCHES_PER_USER per user; names unique per user."""
    if unit is None or unit.pk not in {seat.unit.pk for seat in seats_of(acting_user)}:
        raise ValidationError(_("您不在该单位任职，不能在此保存查询。"), code="unit")
    name = _check_name(name)
    query = normalize_query(query)
    _check_query(query)
    if SavedSearch.objects.filter(owner=acting_user).count() >= settings.SAVED_SEARCHES_PER_USER:
        raise ValidationError(
            _("每人最多保存 %(n)s 个查询，请先删除不用的。") % {"n": settings.SAVED_SEARCHES_PER_USER},
            code="too_many",
        )
    try:
        with transaction.atomic():
            saved = SavedSearch.objects.create(
                owner=acting_user, unit=unit, name=name, query=query, shared=bool(shared)
            )
    except IntegrityError:
        raise ValidationError(
            _("已有同名的查询“%(name)s”，请换一个名称。") % {"name": name}, code="duplicate"
        ) from None
    _audit(acting_user, "saved_search_create", saved, request, via)
    return saved


@transaction.atomic
def saved_search_rename(
    *, saved: SavedSearch, name: str, shared: bool | None = None, acting_user, request=None, via="web"
):
    _own(saved, acting_user)
    name = _check_name(name)
    if SavedSearch.objects.filter(owner=acting_user, name=name).exclude(pk=saved.pk).exists():
        raise ValidationError(
            _("已有同名的查询“%(name)s”，请换一个名称。") % {"name": name}, code="duplicate"
        )
    saved.name = name
    if shared is not None:
        saved.shared = bool(shared)
    saved.save(update_fields=["name", "shared", "updated_at"])
    _audit(acting_user, "saved_search_rename", saved, request, via)
    return saved


@transaction.atomic
def saved_search_delete(*, saved: SavedSearch, acting_user, request=None, via="web") -> None:
    _own(saved, acting_user)
    _audit(acting_user, "saved_search_delete", saved, request, via)
    saved.delete()


def _own(saved: SavedSearch, user) -> None:
    """A colleague's shared search may be run, never changed: the same 404 as a missing one."""
    if saved.owner_id != user.pk:
        raise Http404(_("保存的查询不存在或无权修改。"))


# --- selectors ----------------------------------------------------------------------------------


def saved_searches_for(user) -> QuerySet[SavedSearch]:
    """The user's own searches and those their colleagues shared with a unit the user works in."""
    if not user.is_authenticated:
        return SavedSearch.objects.none()
    unit_ids = [seat.unit.pk for seat in seats_of(user)]
    return (
        SavedSearch.objects.filter(Q(owner=user) | Q(shared=True, unit_id__in=unit_ids))
        .select_related("owner", "unit")
        .order_by("-shared", "name", "id")
    )


def get_saved_search_for(user, pk: int) -> SavedSearch:
    saved = saved_searches_for(user).filter(pk=pk).first()
    if saved is None:
        raise Http404(_("保存的查询不存在或无权查看。"))
    return saved


def saved_search_criteria(saved: SavedSearch):
    """The stored query validated again: (form, None) or (form, message) when it no longer holds."""
    from xinfang.cases.search import case_search_form

    form = case_search_form(QueryDict(saved.query))
    if form.is_valid():
        return form, None
    message = _(
        "保存的查询“%(name)s”中的条件已失效（如单位、分类或信访形式已撤销），请修改条件后重新保存。"
    ) % {"name": saved.name}
    return form, message
