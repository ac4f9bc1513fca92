"""Which scope each API v1 operation needs: ONE table, by path prefix (issue 7 §2, docs/integrations.md).

A token's scopes say which operations a connected system may call: the broad `read` (every GET) and
`write` (every method) of the first tokens, or operation scopes such as `cases:read` for an OA system
that only shows cases, or `messages:submit` for a portal that only forwards citizens' messages.

The table maps a path prefix under /api/v1 to the scope a read (GET/HEAD/OPTIONS) and a write
(any other method) need; the longest matching prefix wins. A prefix not in the table needs `read`
for reads and `write` for writes, so a router added later is covered (safely) without an edit here.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

READ = "read"
WRITE = "write"
OPEN311 = "open311"
ANY = "any"  # who I am, the unit tree, reference data: any token that may call API v1 at all
SUBMIT_ONLY = frozenset({OPEN311, "messages:submit"})  # public submission: no API v1 call at all

# Every scope a token may carry, with what it allows (shown on the admin page and in the docs).
SCOPES: dict[str, object] = {
    READ: _("只读：调用所有查询接口（GET）"),
    WRITE: _("读写：调用所有接口（含新增、修改）"),
    OPEN311: _("仅 Open311 公众提交（/open311/v2/requests）"),
    "messages:submit": _("仅公众提交：经 Open311 提交留言，不能查看任何数据"),
    "cases:read": _("查看信访件（列表、详情、查询、文书）"),
    "cases:write": _("登记、办理信访件（含查看）"),
    "messages:read": _("查看信箱留言"),
    "messages:write": _("处理信箱留言（含查看）"),
    "reports:read": _("查看统计、看板、通报、考核"),
    "todos:read": _("查看待办和消息"),
    "webhooks:manage": _("管理事件订阅（Webhook）"),
    "exchange": _("上下级系统交换信访件"),
}


@dataclass(frozen=True)
class Rule:
    prefix: str  # under /api/v1, e.g. "/cases"
    read: str
    write: str


# The one table (longest prefix first is not needed: `required_scope` picks the longest match).
RULES = (
    Rule("/units", ANY, WRITE),
    Rule("/reference", ANY, WRITE),
    Rule("/cases", "cases:read", "cases:write"),
    Rule("/supervision", "cases:read", "cases:write"),
    Rule("/disputes", "cases:read", "cases:write"),
    Rule("/messages", "messages:read", "messages:write"),
    Rule("/reports", "reports:read", WRITE),
    Rule("/assessment", "reports:read", WRITE),
    Rule("/inbox", "todos:read", "todos:read"),  # marking one's own notices read is part of reading them
    Rule("/todos", "todos:read", "todos:read"),
    Rule("/webhooks", "webhooks:manage", "webhooks:manage"),
    Rule("/integrations/webhooks", "webhooks:manage", "webhooks:manage"),
    Rule("/exchange", "exchange", "exchange"),
)

# A scope is also satisfied by these broader ones (besides `write`, which allows every operation,
# exactly as it did before operation scopes existed).
_IMPLIED_BY = {"open311": {"messages:submit"}}


def required_scope(method: str, path: str) -> str:
    """The scope an API v1 call needs; `path` is relative to /api/v1 ("/cases/…")."""
    path = "/" + path.strip("/")
    reading = method.upper() in READ_METHODS
    best: Rule | None = None
    for rule in RULES:
        if (path == rule.prefix or path.startswith(rule.prefix + "/")) and (
            best is None or len(rule.prefix) > len(best.prefix)
        ):
            best = rule
    if best is None:
        return READ if reading else WRITE
    return best.read if reading else best.write


def satisfied_by(required: str) -> set[str]:
    """The scopes any one of which allows an operation needing `required`."""
    if required == ANY:
        return set(SCOPES) - SUBMIT_ONLY
    allowed = {required, *_IMPLIED_BY.get(required, ())}
    if required in (OPEN311,):
        return allowed  # public submission: `write` does not make a staff token a portal key
    allowed.add(WRITE)
    if required.endswith(":read") or required == READ:
        allowed.add(READ)
        allowed.add(required.removesuffix(":read") + ":write")  # cases:write includes cases:read
    return allowed


def has_scope(scopes, required: str) -> bool:
    return bool(satisfied_by(required) & set(scopes or ()))


def clean_scopes(scopes) -> list[str]:
    """Sorted known scopes; ValueError (Chinese) for an unknown one or none at all."""
    chosen = sorted({str(scope).strip() for scope in scopes if str(scope).strip()})
    unknown = [scope for scope in chosen if scope not in SCOPES]
    if unknown or not chosen:
        raise ValueError(
            _("权限范围无效：%(s)s（可选：%(all)s）。")
            % {"s": ", ".join(unknown) or "-", "all": ", ".join(SCOPES)}
        )
    return chosen
