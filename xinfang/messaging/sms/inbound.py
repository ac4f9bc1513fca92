"""One citizen's SMS, from the webhook or the SMPP receiver: an opt-out, or a message for screening."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xinfang.common.validators import normalize_phone
from xinfang.messaging.choices import MessageKind, Source
from xinfang.messaging.models import SmsOptOut
from xinfang.messaging.services import Received, message_receive
from xinfang.messaging.sms import mask_phone
from xinfang.messaging.sms.encoding import is_opt_out


@dataclass(frozen=True)
class SmsReceived:
    phone: str
    received: Received | None  # None: the SMS was "TD" and the phone is now opted out

    @property
    def opted_out(self) -> bool:
        return self.received is None

    def __str__(self) -> str:
        if self.received is None:
            return f"opt-out {mask_phone(self.phone)}"
        state = "new" if self.received.created else "again"
        return f"message {self.received.message.number} ({state})"


def sms_inbound_receive(*, external_id: str, phone: str, text: str) -> SmsReceived:
    """Store an inbound SMS, idempotent on the gateway's `external_id`.

    "TD"/"退订" records an opt-out (no message: it is not a petition); anything else goes through
    `message_receive` like every public message, which answers with the number and 查询码 by SMS.
    Raises ValidationError (Chinese messages) for a sender that is not a phone number or no text.
    """
    try:
        phone = normalize_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    if not phone:
        raise ValidationError({"phone": [_("短信缺少发送方号码。")]})
    if is_opt_out(text):
        with transaction.atomic():
            SmsOptOut.objects.get_or_create(phone=phone, defaults={"source": "sms"})
        return SmsReceived(phone=phone, received=None)
    received = message_receive(
        source=Source.SMS, external_id=external_id, phone=phone, content=text, kind=MessageKind.COMPLAINT
    )
    return SmsReceived(phone=phone, received=received)
