"""The conventions every API v1 operation shares, written into the OpenAPI document in one place.

Routers declare their success answers (and, where they like, an error with a special body); this adds
what holds for all of them (issue 7 §1, docs/api.md "约定"): the common error body `{code, detail,
errors?}` for every error status the operation can answer, the token's 401/403/429, 412 and 304 where
`@conditional` applies, the security schemes and the tags, all described in Chinese. A tool that
generates requests from the document (schemathesis, see test_api_fuzz.py) then meets no undocumented
status and no body outside the schema.
"""

from xinfang.integrations.conditional import CONDITIONAL_OPERATIONS

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "description": "所有错误答复的统一格式（中文说明）。",
    "required": ["code", "detail"],
    "properties": {
        "code": {
            "type": "string",
            "description": "机器可读的错误类别：invalid、malformed、unauthenticated、forbidden、not_found、"
            "conflict、precondition_failed、rate_limited、too_large 等。",
        },
        "detail": {"type": "string", "description": "给人看的中文说明。"},
        "errors": {
            "type": "object",
            "description": "按字段列出的问题：字段路径 → 中文说明列表（`__all__` 为整体问题）。",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

ERROR_TEXT = {
    400: "内容不符合业务规则（如身份证号校验位、日期先后、条件无效），或请求体不是有效的 JSON；`errors` 按字段列出原因。",
    401: "未认证：缺少令牌，或令牌无效、已过期、已吊销，或所属接入系统已停用。",
    403: "无权进行此操作：岗位不够，或令牌缺少此操作所需的权限范围（见 x-scopes，detail 写明所缺的权限范围）。",
    404: "对象不存在或无权查看（两种情况答复相同）。",
    409: "与对象当前状态冲突（如状态不允许、已定稿、重复提交），或已被他人处理。",
    412: "If-Match 中的 ETag 已过期：对象已被他人修改，请重新读取后再提交；本次未做任何修改。",
    413: "请求体过大。",
    422: "请求格式不正确：缺少必填项、类型或取值范围不符。",
    429: "调用过于频繁：请按 Retry-After（秒）等待后重试。",
    503: "此功能在本系统尚未配置（如跨系统交换的本系统标识或密钥），请联系系统管理员。",
}

ETAG_HEADER = {
    "ETag": {"description": "对象当前版本的标记，修改时放入 If-Match。", "schema": {"type": "string"}}
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "读取时得到的 ETag。若对象已被他人修改则返回 412 且不做修改；不带此头仍可修改。",
    "schema": {"type": "string"},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "上次得到的 ETag；对象未变时返回 304（无正文）。",
    "schema": {"type": "string"},
}

SECURITY_SCHEMES = {
    "BearerToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "xf_…",
        "description": "API 令牌：`Authorization: Bearer xf_…`。由 `manage.py api_token create` 生成，"
        "每个操作所需的权限范围见其 x-scopes（任一即可）；令牌代表其用户，可见和可办的范围与该用户在网页上相同，"
        "所属接入系统限定了单位时只能访问这些单位（含下级）。每个令牌每分钟调用次数有限（429）。"
        "见 docs/api.md、docs/integrations.md。",
    },
    "StaffSession": {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": "已登录浏览器的会话（写操作需 Django 的 CSRF 令牌）。",
    },
}

WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


def _is_generic(response: dict) -> bool:
    """An error answer the router declared as a bare `dict` (or with no body at all)."""
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return schema is None or ("$ref" not in schema and schema.get("type") == "object")


def _error_response(status: int, declared: dict | None) -> dict:
    if declared and not _is_generic(declared):
        # a special body (e.g. 409 with the earlier import job): keep it, say it in Chinese
        return {**declared, "description": ERROR_TEXT.get(status, declared.get("description", ""))}
    return {"description": ERROR_TEXT[status], "content": {"application/json": {"schema": ERROR_REF}}}


def _error_statuses(method: str, operation: dict) -> set[int]:
    declared = {int(code) for code in operation["responses"] if int(code) >= 400}
    has_input = bool(operation.get("parameters")) or "requestBody" in operation
    statuses = set(declared)
    if operation.get("security"):
        statuses |= {401, 403, 404, 429}
        if method in WRITE_METHODS:
            statuses.add(409)
    if has_input:
        statuses |= {400, 422}
    if "requestBody" in operation:
        statuses.add(413)
    if operation.get("operationId") in CONDITIONAL_OPERATIONS and method in WRITE_METHODS:
        statuses.add(412)
    return statuses


def _conditional(method: str, operation: dict) -> None:
    if operation.get("operationId") not in CONDITIONAL_OPERATIONS:
        return
    parameters = operation.setdefault("parameters", [])
    responses = operation["responses"]
    header = IF_MATCH if method in WRITE_METHODS else IF_NONE_MATCH
    if header not in parameters:
        parameters.append(header)
    if method not in WRITE_METHODS:
        responses["304"] = {
            "description": "对象未变（If-None-Match 与当前 ETag 相同），无正文。",
            "headers": ETAG_HEADER,
        }
    for code, response in responses.items():
        if str(code).startswith("2"):
            response.setdefault("headers", {}).update(ETAG_HEADER)


def _page_parameter(operation: dict) -> None:
    """`page` is the same everywhere: from 1; beyond the last page answers the last page."""
    for parameter in operation.get("parameters", []):
        if parameter["name"] == "page" and parameter["in"] == "query":
            parameter["schema"]["minimum"] = 1
            parameter["description"] = (
                "页码，从 1 开始；超过最后一页时返回最后一页。每页条数由 PAGE_SIZE 决定。"
            )


def _operation(method: str, operation: dict) -> None:
    _page_parameter(operation)
    responses = {str(code): response for code, response in operation["responses"].items()}
    for status in _error_statuses(method, operation):
        responses[str(status)] = _error_response(status, responses.get(str(status)))
    operation["responses"] = dict(sorted(responses.items()))
    _conditional(method, operation)


def document_conventions(schema: dict) -> dict:
    """Add the shared conventions to the generated OpenAPI document (in place) and return it."""
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    tags: list[str] = []
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            _operation(method, operation)
            tags += [tag for tag in operation.get("tags", []) if tag not in tags]
    schema["tags"] = [{"name": tag} for tag in tags]
    return schema
