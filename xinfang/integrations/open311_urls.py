"""URLs of Open311 GeoReport v2, mounted at /open311/v2/ (the format is the suffix: .json or .xml)."""

from django.urls import re_path

from xinfang.integrations import open311

FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})$"

app_name = "open311"
urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.services, name="services"),
    re_path(r"^services/(?P<code>[^/]{1,40})" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]{1,40})" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]{1,60})" + FMT, open311.token_detail, name="token"),
    re_path(r"^.*$", open311.not_found),  # anything else: 404 in the standard's error format, not a page
]
