"""API v1 public: one published reply (公开回复), as the portal's reply page shows it — no token.

The same selector as the page (`publication_get`): only approved, not withdrawn replies; anything else
(missing, withdrawn, a FAQ entry) answers 404 alike.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router

from xinfang.messaging.models import Publication
from xinfang.portal.api import PublicPublicationOut
from xinfang.portal.selectors import publication_get

router = Router(tags=["公众门户（无需认证）"], auth=None)


@router.get(
    "/replies/{pk}", response={200: PublicPublicationOut, 404: dict, 422: dict}, summary="一条公开回复"
)
def reply_api(request, pk: int):
    publication = publication_get(kind=Publication.Kind.REPLY, pk=pk)
    if publication is None:
        raise Http404(_("该回复不存在或已撤回。"))
    return publication
