from django.urls import path

from xinfang.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.package_list, name="list"),
    path("import/", views.import_package, name="import"),
    path("packages/<uuid:package_id>/", views.package_detail, name="package"),
    path("packages/<uuid:package_id>/download/", views.package_download, name="download"),
    path("cases/<str:number>/export/", views.export_transfer, name="export"),
    path("cases/<str:number>/result/", views.export_result, name="result"),
]
