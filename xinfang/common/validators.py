"""Validation of identity numbers, phone numbers and uploaded files, with Chinese messages."""

import datetime
import hashlib
from dataclasses import dataclass

import filetype
import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 11643-1999 §8.2: weights 2^(17-i) mod 11 and the check characters for remainders 0..10.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def resident_id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def normalize_resident_id(raw: str) -> str:
    """Return the 18-character resident ID number in upper case, or raise ValidationError."""
    value = (raw or "").strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise ValidationError(_("身份证号码应为18位：前17位是数字，最后一位是数字或X。"), code="id_format")
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_birth") from exc
    if birth.year < 1900 or birth > datetime.date.today():  # noqa: DTZ011 - a birth date, not a moment
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_birth")
    if resident_id_check_char(value[:17]) != value[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对后重新输入。"), code="id_check")
    return value


def normalize_phone(raw: str) -> str:
    """Return a Chinese phone number in national digits (mobile 11 digits, landline with area code)."""
    value = (raw or "").strip().replace(" ", "").replace("-", "")
    if not value:
        return ""
    try:
        parsed = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("电话号码格式不正确。"), code="phone_format") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("电话号码无效，请核对位数和号段。"), code="phone_invalid")
    if parsed.country_code == 86:
        return (
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
            .replace(" ", "")
            .replace("-", "")
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_id_number(value: str) -> str:
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_name(value: str) -> str:
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


ALLOWED_UPLOAD_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPG",
    "image/png": "PNG",
}


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    size: int
    sha256: str


def check_upload(upload) -> CheckedUpload:
    """Accept PDF/JPG/PNG by their content (magic bytes), within the size limit."""
    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            _("附件“%(name)s”超过%(mb)sMB的大小限制。")
            % {"name": upload.name, "mb": settings.ATTACHMENT_MAX_MB},
            code="upload_size",
        )
    if upload.size == 0:
        raise ValidationError(_("附件“%(name)s”是空文件。") % {"name": upload.name}, code="upload_empty")
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_UPLOAD_TYPES:
        raise ValidationError(
            _("附件“%(name)s”不是有效的PDF、JPG或PNG文件。") % {"name": upload.name}, code="upload_type"
        )
    digest = hashlib.sha256(head)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(
        name=upload.name[:200], content_type=kind.mime, size=upload.size, sha256=digest.hexdigest()
    )


def mask_address(value: str) -> str:
    """Keep the first part (the township or street) of an address, hide the rest."""
    if not value:
        return ""
    keep = min(6, len(value) // 2)
    return value[:keep] + "****"
