"""API shapes of a case. Personal data is masked, and hidden for protected (检举控告) cases."""

import datetime

from ninja import Schema

from xinfang.cases.access import can_see_identity
from xinfang.cases.models import Case
from xinfang.common.validators import mask_id_number, mask_phone


class CaseListOut(Schema):
    number: str
    title: str
    channel: str
    status: str
    status_label: str
    owner_unit: str
    registered_at: datetime.datetime
    due_on: datetime.date | None
    is_open: bool
    is_urgent: bool
    is_repeat: bool


class PetitionerOut(Schema):
    name: str
    id_number_masked: str
    phone_masked: str
    address: str
    is_primary: bool
    is_representative: bool


class DeadlineOut(Schema):
    step: str
    step_label: str
    unit: str
    starts_on: datetime.date
    days: int
    day_type: str
    basis: str
    due_on: datetime.date
    is_open: bool
    explanation: str


class EventOut(Schema):
    kind: str
    kind_label: str
    at: datetime.datetime
    actor: str | None
    unit: str | None
    from_status: str
    to_status: str
    reason: str
    action: str = ""


class CaseOut(CaseListOut):
    query_code: str
    purpose: str
    category: str | None
    content: str
    demands: str
    received_on: datetime.date
    registering_unit: str
    headcount: int
    is_anonymous: bool
    is_skip_level: bool
    is_litigation: bool
    is_collective: bool
    repeat_of: str | None
    identity_protected: bool
    petitioners: list[PetitionerOut]
    deadlines: list[DeadlineOut]
    version: int


def case_list_out(case: Case) -> dict:
    return {
        "number": case.number,
        "title": case.title,
        "channel": case.channel.name,
        "status": case.status,
        "status_label": case.get_status_display(),
        "owner_unit": case.owner_unit.name,
        "registered_at": case.registered_at,
        "due_on": case.due_on,
        "is_open": case.is_open,
        "is_urgent": case.is_urgent,
        "is_repeat": case.is_repeat,
    }


def case_out(case: Case, user) -> dict:
    show_identity = can_see_identity(user, case)
    people = case.petitioners.all() if show_identity else []
    return {
        **case_list_out(case),
        "query_code": case.query_code,
        "purpose": case.purpose.name,
        "category": str(case.category) if case.category_id else None,
        "content": case.content,
        "demands": case.demands,
        "received_on": case.received_on,
        "registering_unit": case.registering_unit.name,
        "headcount": case.headcount,
        "is_anonymous": case.is_anonymous,
        "is_skip_level": case.is_skip_level,
        "is_litigation": case.is_litigation,
        "is_collective": case.is_collective,
        "repeat_of": case.repeat_of.number if case.repeat_of_id else None,
        "identity_protected": not show_identity,
        "petitioners": [
            {
                "name": p.name,
                "id_number_masked": mask_id_number(p.id_number),
                "phone_masked": mask_phone(p.phone),
                "address": p.address,
                "is_primary": p.is_primary,
                "is_representative": p.is_representative,
            }
            for p in people
        ],
        "deadlines": [deadline_out(d) for d in case.deadlines.select_related("unit")],
        "version": case.version,
    }


def deadline_out(d) -> dict:
    return {
        "step": d.step,
        "step_label": d.get_step_display(),
        "unit": d.unit.name,
        "starts_on": d.starts_on,
        "days": d.days,
        "day_type": d.day_type,
        "basis": d.basis,
        "due_on": d.due_on,
        "is_open": d.is_open,
        "explanation": d.explanation.get("text", ""),
    }
