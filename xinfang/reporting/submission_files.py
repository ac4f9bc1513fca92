"""Attachments of 信息报送: PDF, JPG and PNG as for cases, plus Word (.docx) — all checked by content.

`xinfang.common.validators.check_upload` knows PDF/JPG/PNG by their magic bytes. A .docx is a ZIP
package, so it is recognised here by opening it: a readable ZIP whose `[Content_Types].xml` declares a
WordprocessingML main document. Macro-enabled documents (.docm, `vbaProject.bin`) are refused, and
nothing but that one small part is decompressed (no ZIP bomb can make it expensive).
"""

import hashlib
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from xinfang.common.validators import CheckedUpload, check_upload

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
CONTENT_TYPES_MAX = 64 * 1024
ACCEPT = (
    ".pdf,.jpg,.jpeg,.png,.docx,application/pdf,image/jpeg,image/png,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)


def _refused(upload) -> ValidationError:
    return ValidationError(
        _("附件“%(name)s”不是有效的PDF、JPG、PNG或Word（.docx）文件。") % {"name": upload.name},
        code="upload_type",
    )


def _is_docx(upload) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                return False
            if any(name.lower().endswith("vbaproject.bin") for name in names):
                return False
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > CONTENT_TYPES_MAX:
                return False
            declared = package.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, NotImplementedError, RuntimeError):
        return False
    finally:
        upload.seek(0)
    return DOCX_MAIN in declared


def _sha256(upload) -> str:
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_report_upload(upload) -> CheckedUpload:
    """Accept PDF/JPG/PNG (by `check_upload`) or a .docx (by its package), else a Chinese refusal."""
    try:
        return check_upload(upload)
    except ValidationError as exc:
        if getattr(exc, "code", None) != "upload_type":
            raise  # too large or empty: that message stands
    if not _is_docx(upload):
        raise _refused(upload)
    return CheckedUpload(
        name=upload.name[:200], content_type=DOCX_MIME, size=upload.size, sha256=_sha256(upload)
    )
