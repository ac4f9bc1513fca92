"""HMAC-SHA256 signatures between xinfang and the SMS gateway, in both directions.

The signed string is `<timestamp>.<raw body>`: the timestamp is covered by the signature, so a
captured request cannot be replayed later with a fresh timestamp (the receiver refuses timestamps
outside its window), and a replay inside the window finds the message id already stored.
"""

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Xinfang-Timestamp"
SIGNATURE_HEADER = "X-Xinfang-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Lower-case hex HMAC-SHA256 of `timestamp.body` with `secret`."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_problem(
    *, secret: str, timestamp: str, body: bytes, signature: str, now: float, max_age: int
) -> str | None:
    """Why a signed request must be refused (for the log), or None when it is genuine and fresh."""
    if not secret:
        return "no secret configured"
    timestamp = (timestamp or "").strip()
    if not (timestamp.isascii() and timestamp.isdigit()):
        return "missing or malformed timestamp"
    sent_at = int(timestamp)
    if abs(now - sent_at) > max_age:
        return f"timestamp {sent_at} outside the {max_age}s window"
    given = (signature or "").strip().removeprefix("sha256=").lower().encode("utf-8")
    expected = sign(secret, timestamp, body)
    # Constant-time compare: the time taken says nothing about how much of the signature was right.
    if not hmac.compare_digest(given, expected.encode("ascii")):
        return "signature mismatch"
    return None
