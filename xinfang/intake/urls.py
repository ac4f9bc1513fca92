from django.urls import path

from xinfang.intake import import_views, views

app_name = "intake"
urlpatterns = [
    path("register/", views.case_register_view, name="register"),
    path("register/earlier/", views.earlier_cases_view, name="earlier"),
]

urlpatterns += [
    path("import/", import_views.import_view, name="import"),
    path("import/template.xlsx", import_views.import_template_view, name="import_template"),
    path("import/<int:pk>/", import_views.import_job_view, name="import_job"),
    path("import/<int:pk>/report.xlsx", import_views.import_report_view, name="import_report"),
]
