"""Reading papers."""

from xinfang.cases.access import can_see_identity
from xinfang.documents.models import CaseDocument


def case_documents(case) -> list[CaseDocument]:
    """The papers of a case in issue order, with their issuing unit."""
    documents = list(
        CaseDocument.objects.filter(case=case).select_related("unit").order_by("created_at", "id")
    )
    for document in documents:
        document.case = case
    return documents


def document_title_for(user, document: CaseDocument) -> str:
    """The title this user may read: without the petitioner's name where identity is hidden from them."""
    if document.identity_removed or can_see_identity(user, document.case):
        return document.title
    return document.masked_title
