"""The signature algorithm and the receiver's check (docs/webhooks.md, "Verifying")."""

import hashlib
import hmac

from xinfang.webhooks.signing import sign, verify, verify_problem

SECRET = "whsec_test"
BODY = b'{"event":"case.registered","case":{"number":"2026"}}'
NOW = 1_800_000_000


def test_it_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, str(NOW), BODY) == f"sha256={expected}"


def test_it_accepts_a_genuine_fresh_request():
    assert verify(SECRET, str(NOW), BODY, sign(SECRET, str(NOW), BODY), now=NOW + 10)


def test_it_rejects_a_tampered_body():
    signature = sign(SECRET, str(NOW), BODY)
    tampered = BODY.replace(b"2026", b"2027")
    assert verify_problem(SECRET, str(NOW), tampered, signature, now=NOW) == "signature mismatch"


def test_it_rejects_a_tampered_timestamp():
    signature = sign(SECRET, str(NOW), BODY)
    assert not verify(SECRET, str(NOW + 1), BODY, signature, now=NOW)


def test_it_rejects_a_replay_outside_the_window():
    signature = sign(SECRET, str(NOW), BODY)
    assert verify_problem(SECRET, str(NOW), BODY, signature, now=NOW + 301) == (
        "timestamp outside the tolerance window"
    )
    assert verify(SECRET, str(NOW), BODY, signature, now=NOW + 301, tolerance=600)


def test_it_rejects_another_secret_a_missing_or_malformed_header():
    signature = sign(SECRET, str(NOW), BODY)
    assert not verify("whsec_other", str(NOW), BODY, signature, now=NOW)
    assert not verify(SECRET, "", BODY, signature, now=NOW)
    assert not verify(SECRET, "12a", BODY, signature, now=NOW)
    assert not verify(SECRET, str(NOW), BODY, "", now=NOW)
    assert not verify("", str(NOW), BODY, signature, now=NOW)
