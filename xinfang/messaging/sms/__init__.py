"""短信信访: the outbox's delivery (console, HTTP gateway, SMPP), the inbound webhook and the SMPP receiver.

See docs/messaging.md. Every inbound SMS goes through `inbound.sms_inbound_receive` and from there
through `messaging.services.message_receive`, the one way in for public messages.
"""


def mask_phone(phone: str) -> str:
    """A phone number as it may appear in the logs: 139****5678."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"
