from django.urls import path

from xinfang.assessment import views

app_name = "assessment"
urlpatterns = [
    path("", views.rule_set_list, name="list"),
    path("new/", views.rule_set_new, name="new"),
    path("<int:pk>/", views.results, name="results"),
    path("<int:pk>/rules/", views.rule_set_edit, name="edit"),
    path("<int:pk>/key-tasks/", views.key_tasks, name="key-tasks"),
    path("<int:pk>/compute/", views.compute, name="compute"),
    path("<int:pk>/finalize/", views.finalize, name="finalize"),
    path("<int:pk>/copy/", views.copy_next, name="copy"),
    path("<int:pk>/export.xlsx", views.export, name="export"),
    path("<int:pk>/units/<int:unit_id>/", views.breakdown, name="breakdown"),
    path("<int:pk>/units/<int:unit_id>/adjust/", views.adjust, name="adjust"),
    path("<int:pk>/units/<int:unit_id>/evidence/<slug:code>/", views.evidence, name="evidence"),
]
