"""Serving stored files (attachments, reports): a file gone from storage is a clear 404, never a 500."""

import logging

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def stored_file_response(stored, *, filename: str, content_type: str | None = None, as_attachment=False):
    """A FileResponse for a FieldFile; Http404 with a Chinese message when the file cannot be read.

    The row exists but the bytes are gone (a restore without MEDIA_ROOT, a lost NFS mount): the user
    cannot fix that, so they are told to call the administrator, and the error is logged for them.
    """
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        logger.error("stored file missing: %s", getattr(stored, "name", stored))
        raise Http404(_("文件已不在存储中，请联系系统管理员恢复。")) from None
    return FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=filename)


def audited_attachment_response(
    request, attachment, *, detail: dict, action="download_attachment", via="web", as_attachment=False
):
    """Send an uploaded file (scan, reply attachment, …) and write its audit row: every download of a
    petitioner's papers is on record, from the web and from the API alike."""
    from xinfang.common.services import audit_record

    audit_record(user=request.user, action=action, obj=attachment, detail=detail, request=request, via=via)
    return stored_file_response(
        attachment.file,
        content_type=attachment.content_type,
        filename=attachment.original_name,
        as_attachment=as_attachment,
    )
