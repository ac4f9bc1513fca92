"""The access gate for papers: through the case gate, so missing and forbidden both answer 404."""

from django.http import Http404
from django.utils.translation import gettext as _

from xinfang.cases.access import get_case_for_user
from xinfang.documents.models import CaseDocument


def get_document_for_user(user, *, number: str, document_id: int) -> CaseDocument:
    case = get_case_for_user(user, number=number)
    document = CaseDocument.objects.filter(case=case, pk=document_id).first()
    if document is None:
        raise Http404(_("文书不存在或无权查看。"))
    document.case = case  # the gate's copy, with purpose loaded for the identity rule
    return document
