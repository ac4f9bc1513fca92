from django.urls import path

from xinfang.disputes import views

app_name = "disputes"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("new/", views.dispute_new, name="new"),
    path("export.xlsx", views.ledger_export, name="export"),
    path("print/", views.ledger_print, name="print"),
    path("<str:number>/", views.dispute_detail, name="detail"),
    path("<str:number>/edit/", views.dispute_edit, name="edit"),
    path("<str:number>/do/<slug:code>/", views.dispute_action, name="action"),
]
