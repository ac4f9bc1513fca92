"""Open311 GeoReport v2 views at /open311/v2/ (issue 7 §4; docs/open311.md): thin, JSON and XML.

The format is the suffix (`services.json`, `services.xml`), as the standard has it. Every refusal is
the standard's error list [{code, description}] with a Chinese description and a 4xx status.
"""

import json
import re
import xml.etree.ElementTree as ET

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from xinfang.integrations import open311_services as o311
from xinfang.portal.http import client_ip
from xinfang.portal.limits import RateLimited

SPEC = "http://wiki.open311.org/GeoReport_v2"
# Markup characters as \u escapes in JSON (as Django's json_script): a client pasting the text into a
# page cannot be tricked into running it; any JSON parser reads the same text back.
JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# XML element names of list items (the Spark convention the standard's JSON is mapped from).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


# Characters XML 1.0 cannot carry at all (ElementTree escapes &, < and > but writes these as they are).
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _append(parent: ET.Element, tag: str, value) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner)
    elif isinstance(value, list):
        for inner in value:
            _append(element, ITEM_TAGS.get(tag, "item"), inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_IN_XML.sub("", str(value))  # ElementTree escapes &, < and > on output


def to_xml(root: str, value) -> bytes:
    element = ET.Element(root)
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list):
        for item in items:
            _append(element, ITEM_TAGS[root], item)
    else:
        for key, inner in value.items():
            _append(element, key, inner)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def _respond(fmt: str, root: str, value, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, value)
    else:
        body = json.dumps(value, ensure_ascii=False).translate(JSON_ESCAPES).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["json"]))


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(fmt, "errors", [{"code": status, "description": description}], status=status)


def _text(value: str) -> str:
    """NUL characters out: PostgreSQL cannot hold them in text, and no client means them."""
    return value.replace("\x00", "")


def _params(query) -> dict[str, str]:
    return {name: _text(value) for name, value in query.items()}


def open311_view(methods: tuple[str, ...] = ("GET",)):
    """Check the format and the method, and turn Open311Error / RateLimited into the error list."""

    def wrap(view):
        @csrf_exempt
        def handler(request, fmt: str, **kwargs):
            if fmt not in CONTENT_TYPES:
                return _error(
                    "json", 404, _("不支持的格式“%(fmt)s”：请用 .json 或 .xml。") % {"fmt": fmt[:10]}
                )
            if request.method not in methods:
                response = _error(fmt, 405, _("不支持 %(method)s 方法。") % {"method": request.method})
                response["Allow"] = ", ".join(methods)
                return response
            kwargs = {name: _text(value) for name, value in kwargs.items()}
            try:
                return view(request, fmt, **kwargs)
            except o311.Open311Error as exc:
                return _error(fmt, exc.status, exc.description)
            except RateLimited as exc:
                response = _error(fmt, 429, exc.message)
                response["Retry-After"] = str(exc.retry_after)
                return response

        handler.__name__ = view.__name__
        return handler

    return wrap


@open311_view()
def discovery(request, fmt):
    changeset = timezone.localtime().replace(microsecond=0).isoformat()
    endpoint = {
        "specification": SPEC,
        "url": request.build_absolute_uri("/open311/v2/"),
        "changeset": changeset,
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    body = {
        "changeset": changeset,
        "contact": settings.OPEN311_CONTACT or _("信访部门"),
        "key_service": _("api_key 由系统管理员用 manage.py api_token create --scopes open311 生成。"),
        "endpoints": [endpoint],
    }
    return _respond(fmt, "discovery", body)


def _service(service: o311.Service) -> dict:
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": f"{service.group} › {service.name}" if service.group != service.name else service.name,
        "metadata": True,
        "type": "realtime",
        "keywords": service.group,
        "group": service.group,
    }


@open311_view()
def services(request, fmt):
    return _respond(fmt, "services", [_service(service) for service in o311.services_list()])


@open311_view()
def service_definition(request, fmt, code):
    return _respond(fmt, "service_definition", o311.service_definition(o311.service_get(code)))


def _posted(posted: o311.Posted) -> dict:
    body = {
        "service_request_id": posted.record.message.number,
        "token": posted.record.token,
        "service_notice": _("已收到，将在信箱审查后处理；编号和查询码已通过短信发送（如提供了手机号码）。"),
    }
    if posted.record.client_ref:
        body["account_id"] = posted.record.client_ref  # the client's own device or account id, echoed
    return body


@open311_view(("GET", "POST"))
def requests(request, fmt):
    if request.method == "GET":
        found = o311.requests_query(_params(request.GET))
        return _respond(fmt, "service_requests", [o311.request_public(row) for row in found])
    api_token = o311.api_key_check(request.POST.get("api_key") or request.GET.get("api_key") or "")
    posted = o311.request_post(
        api_token=api_token,
        data=_params(request.POST),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        ip=client_ip(request),
    )
    response = _respond(fmt, "service_requests", [_posted(posted)], status=200 if posted.replayed else 201)
    if posted.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


@open311_view()
def request_detail(request, fmt, service_request_id):
    return _respond(fmt, "service_requests", [o311.request_public(o311.request_get(service_request_id))])


@open311_view()
def token_detail(request, fmt, token):
    record = o311.token_get(token)
    body = [{"service_request_id": record.message.number, "token": record.token}]
    return _respond(fmt, "service_requests", body)


@csrf_exempt
def not_found(request):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _error(fmt, 404, _("没有这个接口地址，请核对 Open311 GeoReport v2 的路径。"))
