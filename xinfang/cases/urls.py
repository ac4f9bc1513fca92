from django.urls import path

from xinfang.cases import export_views, saved_search_views, views

app_name = "cases"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("lookup/", views.lookup, name="lookup"),
    path("search/", views.search, name="search"),
    path("search/export/", export_views.search_export, name="search_export"),
    path("search/saved/", saved_search_views.saved_search_save, name="saved_search_save"),
    path("search/saved/<int:pk>/", saved_search_views.saved_search_run, name="saved_search_run"),
    path(
        "search/saved/<int:pk>/rename/",
        saved_search_views.saved_search_rename_view,
        name="saved_search_rename",
    ),
    path(
        "search/saved/<int:pk>/delete/",
        saved_search_views.saved_search_delete_view,
        name="saved_search_delete",
    ),
    path("export/", export_views.workbench_export, name="workbench_export"),
    path("ledger/", export_views.ledger, name="ledger"),
    path("ledger/export/", export_views.ledger_export, name="ledger_export"),
    path("exports/<int:pk>/", export_views.export_job, name="export_job"),
    path("exports/<int:pk>/file/", export_views.export_job_file, name="export_job_file"),
    path("sent/", views.sent, name="sent"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/receipt/", views.case_receipt, name="receipt"),
    path("<str:number>/do/<slug:code>/", views.case_action, name="action"),
    path("<str:number>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
