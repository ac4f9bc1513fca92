"""ETag, If-None-Match and If-Match for API v1 (issue 7 §1; docs/api.md "并发修改：ETag 与 If-Match").

One decorator, `@conditional(resource)`, on a resource's GET and on every write to it:

- GET answers with `ETag: "<kind>-<pk>-<version>"`; `If-None-Match` with that tag → 304, no body.
- A write with `If-Match` runs inside one transaction that first locks the row (select_for_update) and
  compares its current tag: stale → 412 `precondition_failed` and nothing changes; so of two clients
  that read the same version, the second one to write gets 412 (the lost-update problem, RFC 9110 §13.1.1).
  Without `If-Match` the write is still allowed (the case actions keep their `version` body field and
  409, as before), so existing clients keep working; the answer carries the new ETag.

The resource is loaded through its own access gate, so a tag is never shown (or compared) for an
object the caller may not see: that stays 404, as without the header.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpResponseNotModified
from django.utils.http import parse_etags
from django.utils.translation import gettext as _

SAFE_METHODS = frozenset({"GET", "HEAD"})
CONDITIONAL_OPERATIONS: set[str] = set()  # operation ids, for the OpenAPI document (ETag/304, If-Match/412)


class PreconditionFailed(Exception):
    """412: the resource changed since the client read it (its If-Match tag is stale)."""

    def __init__(self, current: str) -> None:
        super().__init__(_("该对象已被他人修改，请重新读取（GET）后再提交。"))
        self.current = current


@dataclass(frozen=True)
class Resource:
    """An updatable object of API v1: how to load it through its gate and which column versions it."""

    kind: str
    load: Callable  # (user, path kwargs) → the object; raises Http404 when missing or not visible
    field: str = "version"  # an integer bumped by every change, or an auto_now timestamp

    def tag_of(self, value) -> str:
        stamp = value if isinstance(value, int) else int(value.timestamp() * 1_000_000)
        return f"{self.kind}-{{pk}}-{stamp}"

    def current(self, obj, *, lock: bool = False) -> str | None:
        """The object's tag as stored now (re-read, so a write during this request is seen)."""
        rows = type(obj).objects.filter(pk=obj.pk)
        if lock:
            rows = rows.select_for_update()
        value = rows.values_list(self.field, flat=True).first()
        return None if value is None else '"' + self.tag_of(value).format(pk=obj.pk) + '"'


def _matches(header: str, tag: str | None) -> bool:
    """Strong comparison (RFC 9110 §8.8.3.2): weak tags never match; `*` matches any existing object."""
    if tag is None:
        return False
    wanted = parse_etags(header)
    return "*" in wanted or tag in wanted


def _operation_id(view) -> str:
    return f"{view.__module__}_{view.__name__}".replace(".", "_")  # NinjaAPI.get_openapi_operation_id


def conditional(resource: Resource):
    """Decorate an API v1 operation on `resource` (see the module docstring)."""

    def decorate(view):
        @functools.wraps(view)
        def run(request, *args, **kwargs):
            if request.method in SAFE_METHODS:
                return _read(resource, view, request, args, kwargs)
            return _write(resource, view, request, args, kwargs)

        CONDITIONAL_OPERATIONS.add(_operation_id(view))
        return run

    return decorate


def _read(resource, view, request, args, kwargs):
    obj = resource.load(request.user, kwargs)
    tag = resource.current(obj)
    header = request.headers.get("If-None-Match")
    if header and _matches(header, tag):
        response = HttpResponseNotModified()
        response["ETag"] = tag
        return response
    request.xinfang_etag = tag
    return view(request, *args, **kwargs)


def _write(resource, view, request, args, kwargs):
    header = request.headers.get("If-Match")
    if not header:
        result = view(request, *args, **kwargs)
        _tag_after(resource, request, kwargs)
        return result
    with transaction.atomic():
        obj = resource.load(request.user, kwargs)
        tag = resource.current(obj, lock=True)
        if not _matches(header, tag):
            raise PreconditionFailed(tag or "")
        result = view(request, *args, **kwargs)
    _tag_after(resource, request, kwargs)
    return result


def _tag_after(resource, request, kwargs) -> None:
    """The new state's tag for the answer (absent when the object is gone or no longer visible)."""
    from django.http import Http404

    try:
        request.xinfang_etag = resource.current(resource.load(request.user, kwargs))
    except Http404:
        request.xinfang_etag = None
