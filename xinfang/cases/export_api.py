"""API v1: saved searches and the Excel export of search results (issue 6 §3, §6; docs/exports.md)."""

import datetime

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from xinfang.cases.api import LookupOut
from xinfang.cases.export_jobs import export_job_download, export_start, get_export_job_for
from xinfang.cases.exports import XLSX, ExportInputError, search_export_request
from xinfang.cases.saved_searches import (
    get_saved_search_for,
    saved_search_create,
    saved_search_criteria,
    saved_search_delete,
    saved_search_rename,
    saved_searches_for,
)
from xinfang.common.paging import page_meta, page_of
from xinfang.orgs.access import seats_of
from xinfang.orgs.models import Unit

router = Router(tags=["查询与导出"])


class SavedSearchOut(Schema):
    id: int
    name: str
    query: str
    shared: bool
    unit: int
    unit_name: str
    owner: str
    mine: bool
    run_url: str


class SavedSearchIn(Schema):
    name: str
    query: str
    shared: bool = False
    unit: int | None = None


class SavedSearchPatch(Schema):
    name: str
    shared: bool | None = None


class ExportJobOut(Schema):
    id: int
    title: str
    status: str
    status_label: str
    total_rows: int
    rows_written: int
    percent: int
    error: str
    file_url: str | None
    created_at: datetime.datetime


def _saved_out(saved, user) -> dict:
    return {
        "id": saved.pk,
        "name": saved.name,
        "query": saved.query,
        "shared": saved.shared,
        "unit": saved.unit_id,
        "unit_name": saved.unit.name,
        "owner": str(saved.owner),
        "mine": saved.owner_id == user.pk,
        "run_url": f"/api/v1/cases/search/saved/{saved.pk}/run",
    }


def _job_out(job) -> dict:
    done = job.status == "done" and job.file
    return {
        "id": job.pk,
        "title": job.title,
        "status": job.status,
        "status_label": job.get_status_display(),
        "total_rows": job.total_rows,
        "rows_written": job.rows_written,
        "percent": job.percent,
        "error": job.error,
        "file_url": f"/api/v1/cases/exports/{job.pk}/file" if done else None,
        "created_at": job.created_at,
    }


@router.get("/search/saved", response=list[SavedSearchOut], summary="保存的查询：本人的及本单位同事共享的")
def saved_search_list_api(request):
    return [_saved_out(s, request.user) for s in saved_searches_for(request.user)]


@router.post("/search/saved", response={201: SavedSearchOut, 400: dict}, summary="保存查询条件")
def saved_search_create_api(request, payload: SavedSearchIn):
    seats = seats_of(request.user)
    unit = (
        Unit.objects.filter(pk=payload.unit).first() if payload.unit else (seats[0].unit if seats else None)
    )
    saved = saved_search_create(
        name=payload.name,
        query=payload.query,
        shared=payload.shared,
        unit=unit,
        acting_user=request.user,
        request=request,
        via="api",
    )
    return Status(201, _saved_out(saved, request.user))


@router.patch("/search/saved/{saved_id}", response=SavedSearchOut, summary="修改保存的查询的名称或共享")
def saved_search_patch_api(request, saved_id: int, payload: SavedSearchPatch):
    saved = get_saved_search_for(request.user, saved_id)
    saved = saved_search_rename(
        saved=saved,
        name=payload.name,
        shared=payload.shared,
        acting_user=request.user,
        request=request,
        via="api",
    )
    return _saved_out(saved, request.user)


@router.delete("/search/saved/{saved_id}", response={204: None}, summary="删除保存的查询（仅本人的）")
def saved_search_delete_api(request, saved_id: int):
    saved = get_saved_search_for(request.user, saved_id)
    saved_search_delete(saved=saved, acting_user=request.user, request=request, via="api")
    return Status(204, None)


@router.get("/search/saved/{saved_id}/run", response={200: LookupOut, 400: dict}, summary="运行保存的查询")
def saved_search_run_api(request, saved_id: int, page: int = 1):
    from xinfang.cases.schemas import case_list_out
    from xinfang.cases.search import SearchPaginator, case_search

    saved = get_saved_search_for(request.user, saved_id)
    form, problem = saved_search_criteria(saved)
    if problem:
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return Status(400, {"code": "invalid", "detail": problem, "errors": errors})
    results = case_search(user=request.user, criteria=form.cleaned_data)
    if results is None:
        return Status(400, {"code": "invalid", "detail": _("请输入要查找的字词，或选择至少一个条件。")})
    paged = page_of(results, page, paginator=SearchPaginator)
    return {"items": [case_list_out(c) for c in paged.object_list], "pagination": page_meta(paged)}


@router.get(
    "/search/export",
    response={200: None, 202: ExportJobOut, 400: dict},
    summary="导出查询结果为Excel（个人信息按权限遮盖）",
    description=(
        "参数同 GET /api/v1/cases/search。不超过 EXPORT_SYNC_MAX_ROWS 件时直接返回 .xlsx；"
        "超过时返回 202 和导出任务，轮询 GET /api/v1/cases/exports/{id}，完成后下载 file_url。"
    ),
)
def search_export_api(request):
    try:
        started = export_start(
            user=request.user,
            request=search_export_request(request.user, request.GET),
            http_request=request,
            via="api",
        )
    except ExportInputError as error:
        return Status(400, {"code": "invalid", "detail": str(error)})
    if started.job is not None:
        return Status(202, _job_out(started.job))
    return FileResponse(started.spool, as_attachment=True, filename=started.filename, content_type=XLSX)


@router.get("/exports/{job_id}", response=ExportJobOut, summary="导出任务的进度（仅发起人可见）")
def export_job_api(request, job_id: int):
    return _job_out(get_export_job_for(request.user, job_id))


@router.get("/exports/{job_id}/file", response={200: None}, summary="下载导出任务生成的Excel（仅发起人）")
def export_job_file_api(request, job_id: int):
    job = get_export_job_for(request.user, job_id)
    handle = export_job_download(user=request.user, job=job, http_request=request, via="api")
    return FileResponse(handle, as_attachment=True, filename=f"export-{job.pk}.xlsx", content_type=XLSX)
