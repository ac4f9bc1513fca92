"""API v1: one NinjaAPI, routers from each app, Chinese error bodies and readable Chinese JSON."""

import functools
import json
import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation, ValidationError
from django.db import DataError
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from xinfang.integrations.auth import BearerToken, StaffSession, TokenRefused
from xinfang.integrations.conditional import PreconditionFailed
from xinfang.integrations.openapi import document_conventions
from xinfang.integrations.openapi_scopes import describe_scopes
from xinfang.portal.limits import RateLimited

logger = logging.getLogger(__name__)


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese characters as they are, not \\uXXXX escapes."""

    def render(self, request, data, *, response_status):
        return json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)


class XinfangAPI(NinjaAPI):
    """NinjaAPI with the shared conventions in the OpenAPI document and the ETag on answers."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return document_conventions(
            super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        )

    def _get_urls(self):
        """Every operation's URL, with django-ninja's bare 405 answered in the common error body."""
        patterns = super()._get_urls()
        for pattern in patterns:
            if getattr(pattern, "callback", None) is not None:
                pattern.callback = _json_not_allowed(pattern.callback)
        return patterns

    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        tag = getattr(request, "xinfang_etag", None)  # set by @conditional (conditional.py)
        if tag and 200 <= response.status_code < 300:
            response["ETag"] = tag
            response["Vary"] = "Authorization, Cookie"  # the body is masked per caller
        return response


def _json_not_allowed(view):
    @functools.wraps(view)
    def run(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            message = f"此接口不支持 {request.method} 方法（可用：{allowed}）。"
            response = _error(request, 405, message, code="method_not_allowed")
            response["Allow"] = allowed
        return response

    return run


api = XinfangAPI(
    title="信访信息系统 API",
    version="1",
    description="信访信息系统对外接口（v1）。认证：`Authorization: Bearer <令牌>`。令牌属于一个接入系统（系统管理员在“接入系统”页面或用 `manage.py integration_account token` 签发），带权限范围：read（只读）、write（读写）或按操作的 cases:read、cases:write、messages:read、messages:write、reports:read、todos:read、webhooks:manage、exchange、messages:submit（仅公众提交）；每个操作所需的权限范围见其 x-scopes。接入系统可限定单位；令牌可设到期时间、可轮换吊销；每个令牌每分钟调用次数有限（429）；读取个人信息的调用均留痕。",
    auth=[BearerToken(), StaffSession()],
    renderer=ChineseJSONRenderer(),
    urls_namespace="api-v1",
)


_plain_openapi_schema = api.get_openapi_schema


def _openapi_schema_with_scopes(*args, **kwargs):
    """The document, with each operation's token scopes and 401/403/429 (openapi_scopes.py)."""
    return describe_scopes(_plain_openapi_schema(*args, **kwargs))


api.get_openapi_schema = _openapi_schema_with_scopes


def _error(request, status: int, message: str, errors: dict | None = None, code: str = "error"):
    body = {"code": code, "detail": message}
    if errors:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(request, 400, "提交的内容有误，请按提示修改。", errors, code="invalid")


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        parts = [str(part) for part in item.get("loc", ())[1:]]
        if parts and parts[0] == "payload":
            parts = parts[1:]  # the body parameter's name is not part of the client's document
        location = ".".join(parts) or "__all__"
        errors.setdefault(location, []).append(_pydantic_message(item))
    return _error(request, 422, "请求格式不正确。", errors, code="malformed")


def _pydantic_message(item: dict) -> str:
    kind = item.get("type", "")
    if kind == "missing":
        return "必填项缺失。"
    if "date" in kind:
        return "日期格式应为 YYYY-MM-DD。"
    if "int" in kind:
        return "应为整数。"
    if "bool" in kind:
        return "应为 true 或 false。"
    if "string" in kind:
        return "应为文本，且长度符合要求。"
    return "格式不正确。"


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _error(request, 403, str(exc) or "无权进行此操作。", code="forbidden")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, str(exc) or "对象不存在或无权查看。", code="not_found")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return _error(
        request, 401, "未认证：请在请求头提供有效的 Authorization: Bearer 令牌。", code="unauthenticated"
    )


@api.exception_handler(TokenRefused)
def on_token_refused(request, exc: TokenRefused):
    return _error(request, 401, str(exc), code="unauthenticated")


@api.exception_handler(RateLimited)
def on_rate_limited(request, exc: RateLimited):
    response = _error(request, 429, exc.message, code="rate_limited")
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(PreconditionFailed)
def on_precondition_failed(request, exc: PreconditionFailed):
    response = _error(request, 412, str(exc), code="precondition_failed")
    if exc.current:
        response["ETag"] = exc.current
    return response


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_out_of_range(request, exc):
    """A number beyond the database's integers (SQLite raises OverflowError, PostgreSQL DataError)."""
    return _error(request, 400, "数值超出允许范围。", code="invalid")


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request, exc):
    """Django's refusals of a request it cannot trust (too many fields, a bad multipart body …)."""
    return _error(request, 400, "请求无法处理（格式异常或字段过多）。", code="invalid")


@api.exception_handler(RequestDataTooBig)
def on_too_large(request, exc):
    return _error(request, 413, "请求体过大，请减少内容或分次提交（附件请用上传接口）。", code="too_large")


# django-ninja's own HttpErrors carry English text; say the same in Chinese.
NINJA_MESSAGES = {
    "Cannot parse request body": ("请求体不是有效的 JSON（请检查引号、逗号和编码 UTF-8）。", "malformed"),
    "Too many requests.": ("调用过于频繁，请稍后再试。", "rate_limited"),
}


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    message = str(exc)
    for english, (chinese, code) in NINJA_MESSAGES.items():
        if message.startswith(english):
            return _error(request, exc.status_code, chinese, code=code)
    return _error(request, exc.status_code, message, code="error")


@api.exception_handler(Exception)
def on_unexpected(request, exc: Exception):
    """A bug: logged with its traceback for the operators; the client gets the common body, in Chinese."""
    logger.exception("API v1 %s %s failed", request.method, request.path, exc_info=exc)
    return _error(request, 500, "服务器内部错误，已记录，请稍后重试或联系系统管理员。", code="server_error")


@csrf_exempt  # answers 404 to any method; it changes nothing
def unknown_path(request, rest: str = ""):
    """Any path under /api/v1/ that no operation matches (also an id of the wrong type, e.g. /supervision/x):
    the common JSON error instead of the HTML page."""
    from django.http import JsonResponse

    return JsonResponse(
        {"code": "not_found", "detail": "没有这个接口或对象，请对照 /api/v1/docs 检查路径。"},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


def _register_routers() -> None:
    from xinfang.cases.api import router as cases_router
    from xinfang.documents.api import router as documents_router
    from xinfang.intake.api import router as intake_router
    from xinfang.messaging.api import router as messages_router
    from xinfang.messaging.inbox_api import router as inbox_router
    from xinfang.orgs.api import router as orgs_router
    from xinfang.portal.api import router as public_router
    from xinfang.reference.api import router as reference_router

    # Fixed paths first: "/cases/ledger" and "/cases/import/template" are not a case number or job id.
    api.add_router("/cases", "xinfang.cases.ledger_api.router")  # 台账, 待审批, workbench export
    api.add_router("/cases", "xinfang.intake.import_file_api.router")  # import template, report
    api.add_router("/cases", intake_router)
    api.add_router("/cases", cases_router)
    api.add_router("/cases", "xinfang.cases.record_api.router")  # 办理情况, attachment download
    api.add_router("/cases", documents_router)
    api.add_router("/cases", "xinfang.cases.export_api.router")  # 保存的查询, Excel export (issue 6)
    api.add_router("/units", orgs_router)
    api.add_router("/reference", reference_router)
    api.add_router("/public", public_router)  # no authentication: the public portal's doors
    api.add_router("/public", "xinfang.portal.reply_api.router")  # one published reply
    api.add_router("/messages", messages_router)
    api.add_router("/messages", "xinfang.messaging.attachment_api.router")  # attachment download
    api.add_router("/supervision", "xinfang.supervision.api.router")  # 催办、督办、抽查回访
    api.add_router("/supervision", "xinfang.supervision.attachment_api.router")  # reply attachments
    api.add_router("/disputes", "xinfang.disputes.export_api.router")  # before "/disputes/{number}"
    api.add_router("/disputes", "xinfang.disputes.api.router")  # 排查调处台账
    api.add_router("/reports", "xinfang.reporting.submission_api.router")  # 信息报送
    api.add_router("/reports", "xinfang.reporting.submission_file_api.router")  # its PDF, Word, files
    api.add_router("/reports", "xinfang.reporting.drilldown_api.router")  # the cases behind a figure
    api.add_router("/reports", "xinfang.reporting.kpi_api.router")  # 统计指标 (issue 6 §1)
    api.add_router("/reports", "xinfang.reporting.dashboard_api.router")  # 数据看板 (issue 6 §2)
    api.add_router("/reports", "xinfang.reporting.bulletin_api.router")  # 季度通报 (issue 6 §5)
    api.add_router("/assessment", "xinfang.assessment.api.router")  # 目标管理考核 (issue 6 §4)
    api.add_router("/assessment", "xinfang.assessment.export_api.router")  # Excel, 扣分依据
    api.add_router("/audit", "xinfang.common.api.router")  # 查阅记录 (personal-data views)
    api.add_router("/inbox", inbox_router)  # 消息: the caller's own notices
    api.add_router("/exchange", "xinfang.exchange.api.router")  # 跨系统交换 (issue 7 §6)
    api.add_router(
        "/integrations", "xinfang.webhooks.api.router"
    )  # Webhook 订阅、投递记录、OA 待办 (issue 7 §3)


_register_routers()
