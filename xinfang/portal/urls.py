from django.urls import path

from xinfang.documents import converters  # noqa: F401  (registers <docfmt:…>)
from xinfang.portal import views
from xinfang.portal.feeds import RepliesFeed

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("write/", views.write, name="write"),
    path("write/done/", views.write_done, name="write-done"),
    path("consult/", views.consult, name="consult"),
    path("captcha/", views.captcha_refresh, name="captcha"),
    path("faq/", views.faq, name="faq"),
    path("track/", views.track, name="track"),
    path("track/forget/", views.track_forget, name="track-forget"),
    path("track/<str:number>/", views.track_detail, name="track-detail"),
    path("track/<str:number>/evaluate/", views.track_evaluate, name="track-evaluate"),
    path("track/<str:number>/review/", views.track_review, name="track-review"),
    path(
        "track/<str:number>/documents/<int:document_id>.<docfmt:fmt>",
        views.track_document,
        name="track-document",
    ),
    path("replies/", views.replies, name="replies"),
    path("replies/feed/", RepliesFeed(), name="replies-feed"),
    path("replies/<int:pk>/", views.reply_detail, name="reply-detail"),
    path("widget/", views.widget, name="widget"),
]
