from django.urls import path

from xinfang.cases import export_views
from xinfang.reporting import kpi_views
from xinfang.reporting import submission_views as views

app_name = "reporting"
urlpatterns = [
    path("", views.submission_list_view, name="submission-list"),
    path("new/", views.submission_new, name="submission-new"),
    path("kpis/", kpi_views.kpi_page, name="kpis"),
    path("kpis/cases/", kpi_views.kpi_cases, name="kpi-cases"),
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
