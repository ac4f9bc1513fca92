"""Registration (登记) of letters, visits and calls: validation, numbering, the first clock, the receipt."""

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.choices import CaseUnitRole, EventKind
from xinfang.cases.models import Attachment, Case, CaseNumberSeq, ComplainedParty, Petitioner
from xinfang.cases.search import case_index
from xinfang.cases.services import case_link_unit, deadline_open, event_record
from xinfang.common.validators import check_upload, normalize_phone, normalize_resident_id
from xinfang.deadlines.models import Step
from xinfang.deadlines.selectors import rule_set_for_unit
from xinfang.orgs.access import REGISTERING_ROLES, seats_of
from xinfang.orgs.models import Region, Unit
from xinfang.reference.models import Category, Channel, IdType, Purpose

MAX_REPRESENTATIVES = 5  # 2022 条例 §20 ¶3: a group visit chooses at most 5 representatives
COLLECTIVE_HEADCOUNT = 5  # 集体访: five or more people (local statistical practice)
EARLIEST_RECEIVED_ON = datetime.date(1990, 1, 1)


@dataclass
class PetitionerInput:
    name: str
    gender: str = ""
    id_type_code: str = IdType.RESIDENT_ID
    id_number: str = ""
    phone: str = ""
    address: str = ""
    region_code: str | None = None
    is_primary: bool = False
    is_representative: bool = False


@dataclass
class ComplainedInput:
    name: str
    position: str = ""
    organisation: str = ""


@dataclass
class RegistrationErrors:
    """Collects field errors so that the registrar sees every problem at once."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def registration_units(user) -> list[Unit]:
    """Units at which the user may register petitions (registrar, dispatcher or admin there)."""
    return [seat.unit for seat in seats_of(user) if seat.roles & set(REGISTERING_ROLES)]


def _clean_petitioner(index: int, person: PetitionerInput, errors: RegistrationErrors) -> PetitionerInput:
    prefix = f"petitioners.{index}"
    person.name = (person.name or "").strip()
    if not person.name:
        errors.add(f"{prefix}.name", _("请填写信访人姓名。"))
    if person.id_number:
        if person.id_type_code == IdType.RESIDENT_ID:
            try:
                person.id_number = normalize_resident_id(person.id_number)
            except ValidationError as exc:
                errors.add(f"{prefix}.id_number", exc.messages[0])
        elif not IdType.objects.filter(code=person.id_type_code).exists():
            errors.add(f"{prefix}.id_type", _("证件类型无效。"))
    try:
        person.phone = normalize_phone(person.phone)
    except ValidationError as exc:
        errors.add(f"{prefix}.phone", exc.messages[0])
    if person.region_code and not Region.objects.filter(code=person.region_code).exists():
        errors.add(f"{prefix}.region", _("住址区划代码不存在。"))
    return person


def _clean_people(
    petitioners: Sequence[PetitionerInput], headcount: int, is_anonymous: bool, errors
) -> list[PetitionerInput]:
    people = [_clean_petitioner(i, p, errors) for i, p in enumerate(petitioners)]
    if not people and not is_anonymous:
        errors.add("petitioners", _("请至少填写一名信访人；匿名信访请勾选“匿名”。"))
    if headcount < 1:
        errors.add("headcount", _("信访人数至少为1。"))
    if headcount < len(people):
        errors.add("headcount", _("信访人数不能少于登记的信访人数。"))
    if headcount >= COLLECTIVE_HEADCOUNT and len(people) > MAX_REPRESENTATIVES:
        errors.add("petitioners", _("集体访推选的代表不得超过5人（《信访工作条例》第二十条）。"))
    if people and not any(p.is_primary for p in people):
        people[0].is_primary = True
    return people


def _clean_refs(*, channel_code, purpose_code, category_id, issue_region_code, errors):
    channel = Channel.objects.filter(code=channel_code, is_active=True, staff_can_register=True).first()
    if channel is None:
        errors.add("channel", _("请选择有效的信访形式。"))
    purpose = Purpose.objects.filter(code=purpose_code).first()
    if purpose is None:
        errors.add("purpose", _("请选择有效的信访目的。"))
    category = None
    if category_id:
        category = Category.objects.filter(pk=category_id, version__is_current=True, is_active=True).first()
        if category is None:
            errors.add("category", _("内容分类无效。"))
    region = None
    if issue_region_code:
        region = Region.objects.filter(code=issue_region_code).first()
        if region is None:
            errors.add("issue_region", _("问题属地区划代码不存在。"))
    return channel, purpose, category, region


def _clean_text(*, title, content, received_on, errors):
    title = (title or "").strip()
    content = (content or "").strip()
    if not title:
        errors.add("title", _("请填写标题。"))
    elif len(title) > 200:
        errors.add("title", _("标题不能超过200个字。"))
    if not content:
        errors.add("content", _("请填写信访内容。"))
    if not isinstance(received_on, datetime.date):
        errors.add("received_on", _("请填写有效的信访日期。"))
    elif received_on > timezone.localdate():
        errors.add("received_on", _("信访日期不能晚于今天。"))
    elif received_on < EARLIEST_RECEIVED_ON:
        errors.add("received_on", _("信访日期过早，请核对。"))
    return title, content


def _clean_uploads(attachments, errors):
    checked = []
    if len(attachments) > settings.ATTACHMENT_MAX_COUNT:
        errors.add("attachments", _("附件最多%(n)s个。") % {"n": settings.ATTACHMENT_MAX_COUNT})
        return checked
    for upload in attachments:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            errors.add("attachments", exc.messages[0])
    return checked


def next_case_number(unit: Unit, day: datetime.date) -> str:
    """Region code + yyyymmdd + 5-digit daily serial, gap-free.

    The serial is bumped under a row lock inside the registering transaction: if the registration
    rolls back, so does the serial, and concurrent registrars queue on the lock (no gaps, no repeats).
    """
    prefix = f"{unit.region_id[:6]}{day:%Y%m%d}"
    CaseNumberSeq.objects.bulk_create([CaseNumberSeq(prefix=prefix, last=0)], ignore_conflicts=True)
    seq = CaseNumberSeq.objects.select_for_update().get(prefix=prefix)
    seq.last += 1
    if seq.last > 99999:
        raise ValidationError(_("今日编号已用尽。"), code="serial_exhausted")
    seq.save(update_fields=["last"])
    return f"{prefix}{seq.last:05d}"


def new_query_code() -> str:
    """A 10-digit 查询码 for the petitioner's look-up (unique; retried on the rare collision)."""
    while True:
        code = f"{secrets.randbelow(10**10):010d}"
        if code[0] != "0" and not Case.objects.filter(query_code=code).exists():
            return code


def case_register(
    *,
    actor,
    unit: Unit,
    channel_code: str,
    purpose_code: str,
    title: str,
    content: str,
    received_on: datetime.date,
    petitioners: Sequence[PetitionerInput],
    category_id: int | None = None,
    demands: str = "",
    addressee: str = "",
    issue_region_code: str | None = None,
    issue_address: str = "",
    headcount: int = 1,
    is_anonymous: bool = False,
    is_urgent: bool = False,
    is_skip_level: bool = False,
    is_litigation: bool = False,
    repeat_of: Case | None = None,
    complained: Sequence[ComplainedInput] = (),
    attachments: Sequence = (),
    submission_key: str | None = None,
    registered_at: datetime.datetime | None = None,
) -> Case:
    """Register one petition.

    1. check the actor may register at `unit`; 2. validate everything, collecting all errors;
    3. return the earlier case when `submission_key` was already used (a double-clicked submit);
    4. in one transaction: number, 查询码, case, people, attachments, visibility, events, first clock.
    """
    if unit.pk not in {u.pk for u in registration_units(actor)}:
        raise PermissionDenied(_("您无权在该单位登记信访件。"))
    if submission_key:
        existing = Case.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    errors = RegistrationErrors()
    title, content = _clean_text(title=title, content=content, received_on=received_on, errors=errors)
    channel, purpose, category, region = _clean_refs(
        channel_code=channel_code,
        purpose_code=purpose_code,
        category_id=category_id,
        issue_region_code=issue_region_code,
        errors=errors,
    )
    people = _clean_people(petitioners, headcount, is_anonymous, errors)
    uploads = _clean_uploads(attachments, errors)
    errors.raise_if_any()
    fields = {
        "channel": channel,
        "purpose": purpose,
        "category": category,
        "title": title,
        "content": content,
        "demands": (demands or "").strip(),
        "addressee": addressee,
        "issue_region": region,
        "issue_address": issue_address,
        "received_on": received_on,
        "headcount": headcount,
        "is_anonymous": is_anonymous,
        "is_urgent": is_urgent,
        "is_skip_level": is_skip_level,
        "is_litigation": is_litigation,
        "is_collective": headcount >= COLLECTIVE_HEADCOUNT,
        "is_repeat": repeat_of is not None,
        "repeat_of": repeat_of,
        "submission_key": submission_key or None,
    }
    stored: list[str] = []
    try:
        return _register_atomic(actor, unit, fields, people, complained, uploads, registered_at, stored)
    except IntegrityError:
        _remove_files(stored)
        if submission_key:
            existing = Case.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                return existing  # the twin request committed first
        raise
    except Exception:
        _remove_files(stored)
        raise


def _remove_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@transaction.atomic
def _register_atomic(actor, unit, fields, people, complained, uploads, registered_at, stored) -> Case:
    registered_at = registered_at or timezone.now()
    case = Case.objects.create(
        number=next_case_number(unit, timezone.localtime(registered_at).date()),
        query_code=new_query_code(),
        registered_at=registered_at,
        registered_by=actor,
        registering_unit=unit,
        owner_unit=unit,
        rule_set=rule_set_for_unit(unit),
        **fields,
    )
    case_index(case)
    _save_people(case, people, complained)
    for upload, checked in uploads:
        attachment_store(case=case, upload=upload, checked=checked, actor=actor, stored=stored)
    case_link_unit(case=case, unit=unit, role=CaseUnitRole.REGISTERED)
    case_link_unit(case=case, unit=unit, role=CaseUnitRole.HOLDER)
    event_record(
        case=case,
        kind=EventKind.REGISTERED,
        actor=actor,
        unit=unit,
        to_status=case.status,
        data={"number": case.number, "channel": case.channel.name, "attachments": len(uploads)},
    )
    if case.repeat_of_id:
        event_record(
            case=case,
            kind=EventKind.REPEAT_LINKED,
            actor=actor,
            unit=unit,
            data={"repeat_of": case.repeat_of.number},
        )
    # A 信访部门 disposes within 15日 (2022 条例 §22); another body that receives a petition directly
    # tells the petitioner in writing within 15日 (§23 ¶2).
    first_step = Step.DISPOSE if unit.is_bureau else Step.NOTIFY_DIRECT
    deadline_open(case=case, step=first_step, unit=unit, starts_on=case.received_on, actor=actor)
    return case


def _save_people(case, people, complained) -> None:
    id_types = {t.code: t for t in IdType.objects.all()}
    Petitioner.objects.bulk_create(
        [
            Petitioner(
                case=case,
                name=p.name,
                gender=p.gender or "",
                id_type=id_types.get(p.id_type_code) if p.id_number else None,
                id_number=p.id_number,
                phone=p.phone,
                address=p.address,
                region_id=p.region_code or None,
                is_primary=p.is_primary,
                is_representative=p.is_representative,
            )
            for p in people
        ]
    )
    ComplainedParty.objects.bulk_create(
        [
            ComplainedParty(case=case, name=c.name.strip(), position=c.position, organisation=c.organisation)
            for c in complained
            if c.name and c.name.strip()
        ]
    )


def attachment_store(*, case: Case, upload, checked, actor, stored: list[str]) -> Attachment:
    attachment = Attachment(
        case=case,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(checked.name, upload, save=False)
    stored.append(attachment.file.name)
    attachment.save()
    return attachment


def case_register_split(
    *, original: Case, actor, unit: Unit, title: str, content: str, demands: str = ""
) -> Case:
    """一信多事: one further issue of `original` as its own case — same petitioners, own number and clock.

    Called by `cases.steps.case_split` inside its transaction, after the guard.
    """
    errors = RegistrationErrors()
    title, content = _clean_text(
        title=title, content=content, received_on=original.received_on, errors=errors
    )
    errors.raise_if_any()
    fields = {
        name: getattr(original, name)
        for name in (
            "channel",
            "purpose",
            "category",
            "addressee",
            "issue_region",
            "issue_address",
            "received_on",
            "headcount",
            "is_anonymous",
            "is_urgent",
            "is_skip_level",
            "is_litigation",
            "is_collective",
        )
    }
    fields.update(title=title, content=content, demands=(demands or "").strip(), split_from=original)
    case = Case.objects.create(
        number=next_case_number(unit, timezone.localdate()),
        query_code=new_query_code(),
        registered_at=timezone.now(),
        registered_by=actor,
        registering_unit=original.registering_unit,
        owner_unit=unit,
        rule_set=original.rule_set,
        **fields,
    )
    case_index(case)
    people = [
        Petitioner(
            case=case,
            **{
                f: getattr(p, f)
                for f in (
                    "name",
                    "gender",
                    "id_type_id",
                    "id_number",
                    "phone",
                    "address",
                    "region_id",
                    "is_primary",
                    "is_representative",
                )
            },
        )
        for p in original.petitioners.all()
    ]
    Petitioner.objects.bulk_create(people)
    ComplainedParty.objects.bulk_create(
        [
            ComplainedParty(case=case, name=c.name, position=c.position, organisation=c.organisation)
            for c in original.complained_parties.all()
        ]
    )
    case_link_unit(case=case, unit=original.registering_unit, role=CaseUnitRole.REGISTERED)
    case_link_unit(case=case, unit=unit, role=CaseUnitRole.HOLDER)
    event_record(
        case=case,
        kind=EventKind.REGISTERED,
        actor=actor,
        unit=unit,
        to_status=case.status,
        reason=_("由信访件%(number)s拆分登记") % {"number": original.number},
        data={"number": case.number, "split_from": original.number},
    )
    # The split part keeps the petition's receipt date: its 15-day clock runs from the same day (§22).
    first_step = Step.DISPOSE if unit.is_bureau else Step.NOTIFY_DIRECT
    deadline_open(case=case, step=first_step, unit=unit, starts_on=case.received_on, actor=actor)
    return case
