"""Background jobs for papers, run by `manage.py worker`."""

import logging

from django_tasks import task

from xinfang.documents.models import CaseDocument
from xinfang.documents.services import document_pdf_ensure

logger = logging.getLogger(__name__)


@task()
def render_document_pdf(document_id: int) -> bool:
    """Render the PDF of a freshly issued paper (WeasyPrint takes a fraction of a second to seconds).

    Idempotent: a PDF already stored (by an earlier run or an impatient download) is left alone.
    """
    document = CaseDocument.objects.select_related("case").filter(pk=document_id).first()
    if document is None:
        logger.warning("document %s vanished before its PDF was rendered", document_id)
        return False
    document_pdf_ensure(document)
    return True
