from django.urls import path

from xinfang.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("lookup/", views.lookup, name="lookup"),
    path("search/", views.search, name="search"),
    path("sent/", views.sent, name="sent"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/receipt/", views.case_receipt, name="receipt"),
    path("<str:number>/do/<slug:code>/", views.case_action, name="action"),
    path("<str:number>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
