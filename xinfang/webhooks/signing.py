"""Webhook signatures: HMAC-SHA256 over `<timestamp>.<body>` (docs/webhooks.md, "Verifying").

This module uses only the standard library, so a receiver written in Python may copy it as it is:

    from xinfang.webhooks.signing import verify
    ok = verify(secret, request.headers["X-Xinfang-Timestamp"], raw_body,
                request.headers["X-Xinfang-Signature"])

The timestamp is inside the signed string, so a captured request cannot be replayed later with a
fresh timestamp; the receiver refuses timestamps outside its tolerance window (default 300 s) and
drops a second delivery with an `X-Xinfang-Delivery` id it has already processed.
"""

import hashlib
import hmac
import time

EVENT_HEADER = "X-Xinfang-Event"
DELIVERY_HEADER = "X-Xinfang-Delivery"
TIMESTAMP_HEADER = "X-Xinfang-Timestamp"
SIGNATURE_HEADER = "X-Xinfang-Signature"
DEFAULT_TOLERANCE = 300


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The header value: `sha256=` + lower-case hex HMAC-SHA256(secret, f"{timestamp}.{body}")."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_problem(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> str | None:
    """Why the request must be refused, or None when it is genuine and fresh."""
    timestamp = (timestamp or "").strip()
    if not secret:
        return "no secret"
    if not (timestamp.isascii() and timestamp.isdigit()):
        return "missing or malformed timestamp"
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance:
        return "timestamp outside the tolerance window"
    expected = sign(secret, timestamp, body)
    given = (signature or "").strip().lower()
    # Constant-time comparison: the time taken says nothing about how much of the signature was right.
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("ascii")):
        return "signature mismatch"
    return None


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """True when `signature` is ours for this body and timestamp, and the timestamp is fresh."""
    return verify_problem(secret, timestamp, body, signature, tolerance=tolerance, now=now) is None
