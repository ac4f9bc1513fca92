"""The package format alone: signing, verification, and every way a package is refused."""

import base64
import io
import json
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from xinfang.exchange.package import (
    FORMAT_VERSION,
    PackageRejected,
    package_build,
    package_open,
    package_verify,
)

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_file": 2 * 1024 * 1024, "max_entries": 20}
DOC = {"number": "99012120260301", "query_code": "1234567890", "title": "反映问题", "attachments": []}


def build(key=None, doc=DOC, attachments=(("attachments/01.pdf", b"%PDF-1.4 scan"),)):
    key = key or Ed25519PrivateKey.generate()
    data, manifest = package_build(
        key=key,
        sender="city",
        recipient="county",
        kind="transfer",
        case_doc=doc,
        attachments=list(attachments),
    )
    return key, data, manifest


def rezip(data: bytes, change) -> bytes:
    """A copy of the package with `change(name, bytes) -> bytes | None` applied (None drops the entry)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            new = change(info.filename, source.read(info))
            if new is not None:
                target.writestr(info.filename, new)
    return out.getvalue()


def rejected(data, key, code):
    with pytest.raises(PackageRejected) as caught:
        package_verify(package_open(data, **LIMITS), key.public_key())
    assert caught.value.code == code, caught.value.message
    assert 400 <= caught.value.status < 500
    return caught.value


def test_it_signs_and_verifies_a_package():
    key, data, manifest = build()
    opened = package_open(data, **LIMITS)
    package_verify(opened, key.public_key())
    assert opened.manifest == manifest
    assert manifest["format_version"] == FORMAT_VERSION and manifest["kind"] == "transfer"
    assert set(manifest["files"]) == {"case.json", "attachments/01.pdf"}
    assert opened.case_doc["title"] == "反映问题"  # Chinese kept readable in case.json
    assert "反映问题".encode() in opened.files["case.json"]


def test_it_refuses_a_package_signed_by_another_key():
    _, data, _ = build()
    rejected(data, Ed25519PrivateKey.generate(), "bad_signature")


def test_it_refuses_a_changed_case_file():
    key, data, _ = build()
    tampered = rezip(
        data, lambda n, b: b.replace("反映问题".encode(), "改过的".encode()) if n == "case.json" else b
    )
    error = rejected(tampered, key, "hash_mismatch")
    assert "case.json" in error.message


def test_it_refuses_a_changed_attachment():
    key, data, _ = build()
    rejected(rezip(data, lambda n, b: b + b"x" if n.startswith("attachments/") else b), key, "hash_mismatch")


def test_it_refuses_a_changed_manifest():
    key, data, _ = build()

    def change(name, body):
        if name != "manifest.json":
            return body
        manifest = json.loads(body)
        manifest["recipient"] = "somebody-else"
        return json.dumps(manifest).encode()

    rejected(rezip(data, change), key, "bad_signature")


def test_it_refuses_a_manifest_with_its_hash_list_rewritten_to_match():
    """Rewriting case.json *and* its hash in the manifest still breaks the signature."""
    key, data, _ = build()
    import hashlib

    new_case = json.dumps({**DOC, "title": "伪造"}).encode()

    def change(name, body):
        if name == "case.json":
            return new_case
        if name == "manifest.json":
            manifest = json.loads(body)
            manifest["files"]["case.json"] = hashlib.sha256(new_case).hexdigest()
            return json.dumps(manifest).encode()
        return body

    rejected(rezip(data, change), key, "bad_signature")


def test_it_refuses_a_swapped_signature():
    key, data, _ = build()
    other = base64.b64encode(key.sign(b"something else"))
    rejected(rezip(data, lambda n, b: other if n == "manifest.sig" else b), key, "bad_signature")


def test_it_refuses_an_extra_file_or_a_missing_one():
    key, data, _ = build()
    rejected(rezip(data, lambda n, b: None if n.startswith("attachments/") else b), key, "files_mismatch")


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_it_refuses_another_format_version(version):
    key, data, _ = build()

    def change(name, body):
        if name != "manifest.json":
            return body
        manifest = json.loads(body)
        manifest["format_version"] = version
        return json.dumps(manifest).encode()

    with pytest.raises(PackageRejected) as caught:
        package_open(rezip(data, change), **LIMITS)
    assert caught.value.code == "bad_version"
    assert "版本" in caught.value.message


@pytest.mark.parametrize(
    "name", ["../etc/passwd", "/abs/case.json", "attachments/../../x.pdf", "attachments\\01.pdf", "evil.exe"]
)
def test_it_refuses_entry_names_outside_the_format(name):
    key, data, _ = build()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        target.writestr(zipfile.ZipInfo(name), b"%PDF-1.4")
    with pytest.raises(PackageRejected) as caught:
        package_open(out.getvalue(), **LIMITS)
    assert caught.value.code == "bad_entry"


def test_it_refuses_a_zip_bomb():
    key, data, _ = build()
    bomb = b"\0" * (3 * 1024 * 1024)  # deflates to a few KB: a ratio far beyond any scan
    tampered = rezip(data, lambda n, b: bomb if n.startswith("attachments/") else b)
    with pytest.raises(PackageRejected) as caught:
        package_open(tampered, **{**LIMITS, "max_file": 10 * 1024 * 1024})
    assert caught.value.code == "zip_bomb"


def test_it_refuses_an_oversized_file_and_package():
    key, data, _ = build(attachments=[("attachments/01.pdf", b"%PDF" + bytes(range(256)) * 12000)])
    with pytest.raises(PackageRejected) as caught:
        package_open(data, **{**LIMITS, "max_file": 1024 * 1024})
    assert caught.value.code == "too_large"
    with pytest.raises(PackageRejected) as caught:
        package_open(data, **{**LIMITS, "max_bytes": 1024})
    assert caught.value.code == "too_large" and caught.value.status == 413


def test_it_refuses_too_many_entries():
    many = [(f"attachments/{i:02d}.pdf", b"%%PDF-1.4 %d" % i) for i in range(30)]
    key, data, _ = build(attachments=many)
    with pytest.raises(PackageRejected) as caught:
        package_open(data, **LIMITS)
    assert caught.value.code == "too_many"


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04garbage"])
def test_it_refuses_what_is_not_a_zip(data):
    with pytest.raises(PackageRejected) as caught:
        package_open(data, **LIMITS)
    assert caught.value.code in {"not_zip", "corrupt"}
    assert "数据包" in caught.value.message


def test_it_refuses_a_package_without_manifest():
    key, data, _ = build()
    with pytest.raises(PackageRejected) as caught:
        package_open(rezip(data, lambda n, b: None if n == "manifest.json" else b), **LIMITS)
    assert caught.value.code == "incomplete"


def test_any_flipped_byte_is_refused_and_nothing_else_escapes():
    """Damage in transit anywhere in the file: always a PackageRejected (4xx), never another error."""
    key, data, _ = build()
    refused = 0
    for position in range(0, len(data), 3):
        damaged = bytearray(data)
        damaged[position] ^= 0x55
        try:
            package_verify(package_open(bytes(damaged), **LIMITS), key.public_key())
        except PackageRejected as exc:
            assert 400 <= exc.status < 500 and exc.message
            refused += 1
    # A few bytes (zip comments, timestamps, unused header fields) carry nothing the check covers.
    assert refused >= (len(data) // 3) * 0.8
