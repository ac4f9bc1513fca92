"""保存的查询 on the search page: save the current query, run, rename, delete (issue 6 §3)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from xinfang.cases.saved_searches import (
    get_saved_search_for,
    saved_search_create,
    saved_search_criteria,
    saved_search_delete,
    saved_search_rename,
)
from xinfang.orgs.access import current_unit


def _back_to_search(query: str = ""):
    response = redirect("cases:search")
    if query:
        response["Location"] += "?" + query
    return response


def _refused(request, error: ValidationError, query: str = ""):
    """Show the search page again with the reason; status 400, nothing saved."""
    from django.http import QueryDict

    from xinfang.cases.search import case_search_form
    from xinfang.cases.views import search_page

    request.GET = QueryDict(query)
    return search_page(request, case_search_form(request.GET or None), saved_error=error.messages[0])


@login_required
@require_POST
def saved_search_save(request):
    query = request.POST.get("query", "")
    try:
        saved = saved_search_create(
            name=request.POST.get("name", ""),
            query=query,
            shared=request.POST.get("shared") == "on",
            unit=current_unit(request),
            acting_user=request.user,
            request=request,
        )
    except ValidationError as error:
        return _refused(request, error, query)
    messages.success(request, _("已保存查询“%(name)s”。") % {"name": saved.name})
    return _back_to_search(saved.query)


@login_required
@require_GET
def saved_search_run(request, pk: int):
    """Run it: validated again, and always through the runner's own visibility (case_search)."""
    from xinfang.cases.views import search_page

    saved = get_saved_search_for(request.user, pk)
    form, problem = saved_search_criteria(saved)
    if problem:
        return search_page(request, form, saved_error=problem)
    return _back_to_search(saved.query)


@login_required
@require_POST
def saved_search_rename_view(request, pk: int):
    saved = get_saved_search_for(request.user, pk)
    try:
        saved_search_rename(
            saved=saved,
            name=request.POST.get("name", ""),
            shared=request.POST.get("shared") == "on",
            acting_user=request.user,
            request=request,
        )
    except ValidationError as error:
        return _refused(request, error)
    messages.success(request, _("已修改。"))
    return _back_to_search()


@login_required
@require_POST
def saved_search_delete_view(request, pk: int):
    saved = get_saved_search_for(request.user, pk)
    saved_search_delete(saved=saved, acting_user=request.user, request=request)
    messages.success(request, _("已删除查询“%(name)s”。") % {"name": saved.name})
    return _back_to_search()
