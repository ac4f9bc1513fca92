"""Long Chinese texts as SMS: UCS-2 parts with concatenation headers, and decoding what phones send.

One SMS carries 140 octets of user data (3GPP TS 23.040 §9.2.3.24). Chinese needs UCS-2 (SMPP
data_coding 8), two octets per character: 70 characters fit in one SMS. A longer text is sent in
parts, each starting with a 6-octet user data header (IEI 00: 8-bit reference, total, sequence;
TS 23.040 §9.2.3.24.1), which leaves 134 octets = 67 characters per part. Characters outside the
Basic Multilingual Plane (emoji) take two UCS-2 code units; a part never ends between the two.
"""

import re
from dataclasses import dataclass

UCS2 = 8  # SMPP 3.4 §5.2.19 data_coding: UCS2 (ISO/IEC-10646)
SINGLE_UNITS = 70
PART_UNITS = 67
UDHI = 0x40  # SMPP 3.4 §5.2.12 esm_class: the short message starts with a user data header
MAX_PARTS = 255  # the header's "total" is one octet


def ucs2_chunks(text: str) -> list[bytes]:
    """The text as UCS-2 (UTF-16BE) chunks: one of ≤70 code units, or parts of ≤67."""
    data = text.encode("utf-16-be")
    if len(data) <= SINGLE_UNITS * 2:
        return [data]
    chunks, pos = [], 0
    while pos < len(data):
        end = min(pos + PART_UNITS * 2, len(data))
        if end < len(data) and 0xD8 <= data[end - 2] <= 0xDB:
            end -= 2  # a high surrogate: keep the pair (one emoji) together in the next part
        chunks.append(data[pos:end])
        pos = end
    if len(chunks) > MAX_PARTS:
        raise ValueError(f"text needs {len(chunks)} SMS parts; at most {MAX_PARTS} can be joined")
    return chunks


def sms_part_count(text: str) -> int:
    return len(ucs2_chunks(text))


def smpp_segments(text: str, ref: int) -> list[tuple[int, bytes]]:
    """(esm_class, short_message) for each submit_sm: a single SMS, or parts joined by `ref`."""
    chunks = ucs2_chunks(text)
    if len(chunks) == 1:
        return [(0, chunks[0])]
    total = len(chunks)
    return [
        (UDHI, bytes((5, 0x00, 3, ref & 0xFF, total, number)) + chunk)
        for number, chunk in enumerate(chunks, start=1)
    ]


# --- Inbound ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Concat:
    """Where one part of a long message belongs: its reference, how many parts, which one."""

    ref: int
    total: int
    number: int


def split_udh(short_message: bytes) -> tuple[Concat | None, bytes]:
    """Separate the user data header (when esm_class has UDHI) from the text octets."""
    if not short_message:
        return None, b""
    length = short_message[0]
    header, payload = short_message[1 : 1 + length], short_message[1 + length :]
    concat, pos = None, 0
    while pos + 2 <= len(header):
        iei, size = header[pos], header[pos + 1]
        value = header[pos + 2 : pos + 2 + size]
        pos += 2 + size
        if iei == 0x00 and size == 3:  # 8-bit reference
            concat = Concat(value[0], value[1], value[2])
        elif iei == 0x08 and size == 4:  # 16-bit reference
            concat = Concat(value[0] << 8 | value[1], value[2], value[3])
    return concat, payload


def decode_short_message(data: bytes, data_coding: int) -> str:
    """The text of an inbound SMS by its data_coding (SMPP 3.4 §5.2.19; 15 = GBK on Chinese gateways)."""
    if data_coding == UCS2:
        return data[: len(data) // 2 * 2].decode("utf-16-be", errors="replace")
    if data_coding in (0, 1, 3):
        # 0 is "the SMSC's default alphabet": Chinese gateways deliver ASCII there, not GSM 03.38.
        return data.decode("latin-1")
    if data_coding == 15:
        return data.decode("gbk", errors="replace")
    return data.decode("utf-8", errors="replace")


# Replies that mean "no more notices" (回复TD退订, as every template says).
OPT_OUT_WORDS = frozenset({"TD", "退订", "TD退订", "退订TD", "STOP"})


def is_opt_out(text: str) -> bool:
    return re.sub(r"[\W_]+", "", text or "").upper() in OPT_OUT_WORDS
