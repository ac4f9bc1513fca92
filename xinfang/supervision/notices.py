"""Telling people about 催办 and 督办: the in-app inbox for staff, an SMS to the unit's contact phone.

Called inside the transaction of the change they tell about, so a rolled-back step sends nothing.
SMS texts carry numbers and dates only — never the case title, which may name the accused (2022 条例
§30 ¶3) — and go to the unit's contact phone when it is a mobile number.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from xinfang.messaging.notifications import notification_send
from xinfang.messaging.notify import MOBILE
from xinfang.messaging.services import sms_queue
from xinfang.orgs.models import Role, Unit, User
from xinfang.supervision.access import LEADER_ROLES, SUPERVISING_ROLES

# In-app notice kinds (messaging shows unknown kinds as 通知).
KIND_URGE = "urge"
KIND_SUPERVISION = "supervision"
KIND_SUPERVISION_REMINDER = "supervision_reminder"
KIND_SUPERVISION_OVERDUE = "supervision_overdue"
KIND_CALLBACK = "callback"

# Who in a unit hears about a 催办/督办 addressed to it: the people who handle and sign there.
UNIT_STAFF_ROLES = (Role.HANDLER, Role.DISPATCHER, Role.UNIT_HEAD, Role.REGISTRAR)


def unit_people(unit: Unit, roles) -> list[int]:
    """Active users holding one of `roles` in `unit` (ids, each once)."""
    return list(
        User.objects.filter(is_active=True, memberships__unit=unit, memberships__role_id__in=list(roles))
        .values_list("pk", flat=True)
        .distinct()
    )


def unit_mobile(unit: Unit) -> str:
    phone = (unit.contact_phone or "").replace(" ", "").replace("-", "")
    return phone if MOBILE.match(phone) else ""


def sms_to_unit(unit: Unit, template_key: str, context: dict, *, case=None):
    phone = unit_mobile(unit)
    if not phone:
        return None
    return sms_queue(phone=phone, template_key=template_key, context=context, case=case)


def supervision_link(supervision) -> str:
    return reverse("supervision:detail", args=[supervision.pk])


def tell_unit(unit: Unit, *, kind: str, title: str, body: str = "", link: str = "", case=None) -> None:
    notification_send(
        users=unit_people(unit, UNIT_STAFF_ROLES), kind=kind, title=title, body=body, link=link, case=case
    )


def tell_supervisors(supervision, *, kind: str, title: str, body: str = "") -> None:
    """The supervising bureau's dispatchers, supervisors, head and leaders, and whoever opened it."""
    users = [supervision.opened_by_id, *unit_people(supervision.unit, SUPERVISING_ROLES)]
    notification_send(
        users=users,
        kind=kind,
        title=title,
        body=body,
        link=supervision_link(supervision),
        case=supervision.case,
    )


def tell_leaders(supervision) -> None:
    """挂牌督办 is listed for the leaders of the supervising bureau (2022 条例 §39)."""
    notification_send(
        users=unit_people(supervision.unit, LEADER_ROLES),
        kind=KIND_SUPERVISION,
        title=_("挂牌督办：信访件%(number)s（%(unit)s）")
        % {"number": supervision.case.number, "unit": supervision.target_unit.name},
        link=supervision_link(supervision),
        case=supervision.case,
    )


def letter_number(supervision) -> str:
    return supervision.letter.number if supervision.letter_id else ""


def tell_supervised(
    supervision, *, title: str, body: str = "", kind: str = KIND_SUPERVISION, template_key: str = "", sms=None
) -> None:
    """The supervised unit's staff (inbox) and, with a template, its contact phone (SMS)."""
    tell_unit(
        supervision.target_unit,
        kind=kind,
        title=title,
        body=body,
        link=supervision_link(supervision),
        case=supervision.case,
    )
    if template_key:
        context = {
            "unit": supervision.target_unit.short_name or supervision.target_unit.name,
            "from_unit": supervision.unit.short_name or supervision.unit.name,
            "number": supervision.case.number,
            "doc_number": letter_number(supervision),
            "due_on": supervision.due_on,
            **(sms or {}),
        }
        sms_to_unit(supervision.target_unit, template_key, context, case=supervision.case)
