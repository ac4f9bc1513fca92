"""Downloading a paper (.docx or PDF) through the case gate."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.views.decorators.http import require_GET

from xinfang.documents.access import get_document_for_user
from xinfang.documents.services import Delivery, document_deliver


def delivery_response(delivery: Delivery) -> HttpResponse:
    """The file with a Chinese name (RFC 6266 / RFC 5987 `filename*`, plus an ASCII fallback)."""
    if delivery.file is not None:
        response = FileResponse(delivery.file, content_type=delivery.content_type)
    else:
        response = HttpResponse(delivery.content, content_type=delivery.content_type)
    extension = delivery.filename.rsplit(".", 1)[-1]
    response["Content-Disposition"] = (
        f"attachment; filename=\"document.{extension}\"; filename*=UTF-8''{quote(delivery.filename)}"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def document_download(request, number: str, document_id: int, fmt: str):
    document = get_document_for_user(request.user, number=number, document_id=document_id)
    return delivery_response(document_deliver(user=request.user, document=document, fmt=fmt, request=request))
