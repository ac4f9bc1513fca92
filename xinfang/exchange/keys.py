"""This deployment's Ed25519 key pair and the peers' public keys (docs/exchange.md, Keys)."""

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class NotConfigured(Exception):
    """The deployment cannot sign: no deployment id or no private key (a set-up error, shown as such)."""


def key_generate(path: Path, *, force: bool = False) -> Ed25519PrivateKey:
    """Write a new private key (PKCS#8 PEM, mode 0600); refuses to overwrite unless `force`."""
    if path.exists() and not force:
        raise FileExistsError(str(path))
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def private_key_load(path: Path | None = None) -> Ed25519PrivateKey:
    path = Path(path or settings.EXCHANGE_PRIVATE_KEY_PATH)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise NotConfigured(
            _("未找到本系统的交换私钥（%(path)s），请先运行 manage.py exchange_keygen。") % {"path": path}
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise NotConfigured(_("交换私钥不是 Ed25519 密钥：%(path)s") % {"path": path})
    return key


def deployment_id() -> str:
    value = (settings.EXCHANGE_DEPLOYMENT_ID or "").strip()
    if not value:
        raise NotConfigured(_("未设置本系统标识 EXCHANGE_DEPLOYMENT_ID，不能收发交换数据包。"))
    return value


def public_key_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The raw 32-byte public key as Base64 (what the other side registers)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_parse(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode((text or "").strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise ValidationError(
            {"public_key": _("公钥格式不正确：应为 32 字节 Ed25519 公钥的 Base64 文本。")}, code="bad_key"
        ) from exc


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    return key.sign(data)


def signature_valid(public: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True
