"""The package format: a .zip of manifest.json, its signature, case.json and the attachments.

Pure functions, no database: `package_build` writes one, `package_open` reads one defensively (size,
entry count, names, compression ratio) and `package_verify` checks the Ed25519 signature over the
manifest bytes and the SHA-256 of every file the manifest lists. Nothing here writes anything; the
import service only touches the database after both have passed (docs/exchange.md, Format).
"""

import base64
import binascii
import datetime
import hashlib
import io
import json
import re
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from xinfang.exchange.keys import sign, signature_valid

FORMAT = "xinfang-case-exchange"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
CASE = "case.json"
KINDS = ("transfer", "result")
# Entry names are made by the sender, never taken from a user's file name: anything else is refused,
# which rules out "../", absolute paths, backslashes and look-alike names (path traversal).
NAME_PATTERN = re.compile(r"^(manifest\.json|manifest\.sig|case\.json|attachments/[0-9]{2}\.(pdf|jpg|png))$")
MAX_JSON_BYTES = 5 * 1024 * 1024
MAX_RATIO = 100  # a zip bomb packs far more than this; scans and JSON compress much less


class PackageRejected(Exception):
    """A package that is refused, with a Chinese message for the sender or the clerk and an HTTP status."""

    def __init__(self, message: str, *, code: str = "bad_package", status: int = 400) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@dataclass
class OpenedPackage:
    manifest_bytes: bytes
    manifest: dict
    signature: bytes
    files: dict[str, bytes] = field(default_factory=dict)  # every entry except the manifest and signature

    @property
    def case_doc(self) -> dict:
        return json.loads(self.files[CASE])


def _json_bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1, default=str).encode("utf-8")


def package_build(*, key, sender: str, recipient: str, kind: str, case_doc: dict, attachments) -> tuple:
    """(zip bytes, manifest dict). `attachments`: (entry name, bytes) pairs, names from `attachment_entry`."""
    case_bytes = _json_bytes(case_doc)
    files = {CASE: case_bytes, **dict(attachments)}
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_id": str(uuid.uuid4()),
        "kind": kind,
        "sender": sender,
        "recipient": recipient,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "case_number": case_doc["number"],
        "query_code": case_doc.get("query_code", ""),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    manifest_bytes = _json_bytes(manifest)
    signature = base64.b64encode(sign(key, manifest_bytes))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SIGNATURE, signature)
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue(), manifest


def attachment_entry(index: int, content_type: str) -> str:
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[content_type]
    return f"attachments/{index:02d}.{extension}"


def _entries(archive: zipfile.ZipFile, *, max_entries: int, max_file: int, max_total: int):
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise PackageRejected(_("数据包内文件过多（最多%(n)s个）。") % {"n": max_entries}, code="too_many")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        raise PackageRejected(_("数据包内有重名文件。"), code="duplicate_entry")
    total = 0
    for info in infos:
        if not NAME_PATTERN.match(info.filename):
            raise PackageRejected(
                _("数据包内含不允许的文件名：%(name)s") % {"name": info.filename[:80]}, code="bad_entry"
            )
        if info.flag_bits & 0x1:
            raise PackageRejected(_("数据包内的文件不能加密。"), code="encrypted")
        limit = MAX_JSON_BYTES if info.filename.endswith((".json", ".sig")) else max_file
        if info.file_size > limit:
            raise PackageRejected(
                _("数据包内的文件%(name)s过大。") % {"name": info.filename}, code="too_large"
            )
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise PackageRejected(_("数据包压缩比异常（疑似压缩炸弹），已拒收。"), code="zip_bomb")
        total += info.file_size
    if total > max_total:
        raise PackageRejected(_("数据包解压后过大。"), code="too_large")
    return infos


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Read at most the declared size (+1): a header that lies about the size is caught, not trusted."""
    with archive.open(info) as handle:
        data = handle.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise PackageRejected(_("数据包已损坏（文件长度不符）。"), code="corrupt")
    return data


def package_open(data: bytes, *, max_bytes: int, max_file: int, max_entries: int) -> OpenedPackage:
    """Read a package without trusting it: structure and limits only (no signature yet)."""
    if len(data) > max_bytes:
        raise PackageRejected(
            _("数据包超过%(mb)sMB的大小限制。") % {"mb": max_bytes // (1024 * 1024)},
            code="too_large",
            status=413,
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = _entries(archive, max_entries=max_entries, max_file=max_file, max_total=max_bytes * 2)
            contents = {info.filename: _read(archive, info) for info in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError) as exc:
        raise PackageRejected(_("这不是有效的交换数据包（zip 文件无法读取）。"), code="not_zip") from exc
    except (OSError, zlib.error) as exc:  # a damaged compressed member
        raise PackageRejected(_("数据包已损坏，无法解压。"), code="corrupt") from exc
    if MANIFEST not in contents or SIGNATURE not in contents or CASE not in contents:
        raise PackageRejected(_("数据包缺少 manifest.json、manifest.sig 或 case.json。"), code="incomplete")
    manifest_bytes = contents.pop(MANIFEST)
    manifest = _manifest_parse(manifest_bytes)
    try:
        signature = base64.b64decode(contents.pop(SIGNATURE).strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PackageRejected(_("数据包签名格式不正确。"), code="bad_signature") from exc
    return OpenedPackage(
        manifest_bytes=manifest_bytes, manifest=manifest, signature=signature, files=contents
    )


def _manifest_parse(raw: bytes) -> dict:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PackageRejected(_("manifest.json 不是有效的 JSON。"), code="bad_manifest") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PackageRejected(_("这不是信访件交换数据包（格式标识不符）。"), code="bad_manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise PackageRejected(
            _("数据包格式版本%(v)s不受支持（本系统支持版本%(ours)s）。")
            % {"v": manifest.get("format_version"), "ours": FORMAT_VERSION},
            code="bad_version",
        )
    try:
        uuid.UUID(str(manifest.get("package_id")))
    except ValueError as exc:
        raise PackageRejected(_("数据包编号不正确。"), code="bad_manifest") from exc
    files = manifest.get("files")
    text_fields = ("sender", "recipient", "case_number", "created_at")
    if (
        manifest.get("kind") not in KINDS
        or not isinstance(files, dict)
        or not all(isinstance(manifest.get(name), str) and manifest.get(name) for name in text_fields)
    ):
        raise PackageRejected(_("manifest.json 缺少必填项或取值不正确。"), code="bad_manifest")
    return manifest


def package_verify(opened: OpenedPackage, public_key) -> None:
    """The signature over the manifest bytes, then every file against the manifest's SHA-256 list."""
    if not signature_valid(public_key, opened.signature, opened.manifest_bytes):
        raise PackageRejected(
            _("数据包签名验证失败：数据包被改动过，或不是该对端系统签发的。"),
            code="bad_signature",
            status=403,
        )
    listed = opened.manifest["files"]
    if set(listed) != set(opened.files):
        raise PackageRejected(_("数据包内的文件与清单不一致。"), code="files_mismatch")
    for name, data in opened.files.items():
        if hashlib.sha256(data).hexdigest() != listed[name]:
            raise PackageRejected(
                _("文件%(name)s的校验值与清单不符，数据包被改动过。") % {"name": name}, code="hash_mismatch"
            )
    try:
        doc = opened.case_doc
    except (UnicodeDecodeError, ValueError) as exc:
        raise PackageRejected(_("case.json 不是有效的 JSON。"), code="bad_case") from exc
    if not isinstance(doc, dict) or doc.get("number") != opened.manifest["case_number"]:
        raise PackageRejected(_("case.json 与清单中的信访件编号不一致。"), code="bad_case")
