from django.urls import path

from xinfang.cases import export_views
from xinfang.reporting import bulletin_views, dashboard_views, kpi_views
from xinfang.reporting import submission_views as views

app_name = "reporting"
urlpatterns = [
    path("", views.submission_list_view, name="submission-list"),
    path("new/", views.submission_new, name="submission-new"),
    path("kpis/", kpi_views.kpi_page, name="kpis"),
    path("kpis/cases/", kpi_views.kpi_cases, name="kpi-cases"),
    path("dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("dashboard/print/", dashboard_views.dashboard_print, name="dashboard-print"),
    path("dashboard/kpis/", dashboard_views.dashboard_kpis, name="dashboard-kpis"),
    path("dashboard/cases/", dashboard_views.dashboard_cases, name="dashboard-cases"),
    path("bulletins/", bulletin_views.bulletin_list_view, name="bulletin-list"),
    path("bulletins/new/", bulletin_views.bulletin_new, name="bulletin-new"),
    path("bulletins/<int:pk>/", bulletin_views.bulletin_detail, name="bulletin-detail"),
    path("bulletins/<int:pk>/edit/", bulletin_views.bulletin_edit, name="bulletin-edit"),
    path(
        "bulletins/<int:pk>/download/<slug:fmt>/", bulletin_views.bulletin_download, name="bulletin-download"
    ),
    path("bulletins/<int:pk>/<slug:action>/", bulletin_views.bulletin_action, name="bulletin-action"),
    path("kpis/export/", kpi_views.kpi_export, name="kpi-export"),
    path("kpis/cases/export/", export_views.kpi_cases_export, name="kpi-cases-export"),
    path("summary/", views.submission_summary_view, name="submission-summary"),
    path("<int:pk>/", views.submission_detail, name="submission-detail"),
    path("<int:pk>/edit/", views.submission_edit, name="submission-edit"),
    path("<int:pk>/submit/", views.submission_submit_view, name="submission-submit"),
    path("<int:pk>/review/<slug:decision>/", views.submission_review_view, name="submission-review"),
    path("<int:pk>/delete/", views.submission_delete_view, name="submission-delete"),
    path("<int:pk>/print/", views.submission_print, name="submission-print"),
    path("<int:pk>/pdf/", views.submission_pdf, name="submission-pdf"),
    path("<int:pk>/docx/", views.submission_docx, name="submission-docx"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/", views.submission_attachment, name="submission-attachment"
    ),
]
