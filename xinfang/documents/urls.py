from django.urls import path

from xinfang.documents import converters, views  # noqa: F401  (converters registers <docfmt:…>)

app_name = "documents"
urlpatterns = [
    path(
        "<str:number>/documents/<int:document_id>.<docfmt:fmt>",
        views.document_download,
        name="document-download",
    ),
]
