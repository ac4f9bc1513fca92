"""Describe the token scopes in the OpenAPI document (issue 7 §1, §2).

Every authenticated operation gets `x-scopes` (the scopes any one of which allows it, from the one table
in scopes.py), a line in its description, and the 401/403/429 answers it can give — unless a router
already declared them with its own schema.
"""

from xinfang.integrations.scopes import required_scope, satisfied_by

API_ROOT = "/api/v1"
ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["code", "detail"],
}
AUTH_ANSWERS = {
    "401": "未认证：缺少令牌，或令牌无效、已过期、已吊销，或所属接入系统已停用（code=unauthenticated）。",
    "403": "令牌缺少此操作所需的权限范围，或无权进行此操作（code=forbidden，detail 写明所缺的权限范围）。",
    "429": "此令牌调用过于频繁（code=rate_limited，响应头 Retry-After 为秒数）。",
}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options"}


BEARER_TEXT = (
    "接入系统的令牌：Authorization: Bearer xf_…。每个操作所需的权限范围见其 x-scopes（任一即可）；"
    "令牌所属接入系统限定了单位时，只能访问这些单位（含下级）的信访件。见 docs/integrations.md。"
)


def describe_scopes(schema: dict) -> dict:
    bearer = schema.get("components", {}).get("securitySchemes", {}).get("BearerToken")
    if bearer is not None:
        bearer.setdefault("description", BEARER_TEXT)
    for path, operations in schema.get("paths", {}).items():
        relative = path[len(API_ROOT) :] if path.startswith(API_ROOT) else path
        for method, operation in operations.items():
            if method in HTTP_METHODS and operation.get("security"):
                _describe(operation, method, relative)
    return schema


def _describe(operation: dict, method: str, path: str) -> None:
    needed = required_scope(method, path)
    allowed = sorted(satisfied_by(needed))
    operation["x-scopes"] = allowed
    shown = needed if needed != "any" else "任一 API 权限范围"
    line = f"令牌权限范围：{shown}（{' / '.join(allowed)} 之一即可）。"
    operation["description"] = (operation.get("description", "") + "\n\n" + line).strip()
    responses = operation.setdefault("responses", {})
    for status, text in AUTH_ANSWERS.items():
        if status not in responses and int(status) not in responses:
            responses[status] = {
                "description": text,
                "content": {"application/json": {"schema": ERROR_SCHEMA}},
            }
