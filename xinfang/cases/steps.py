"""The steps of a case's journey, one service each (issue 3; domain.md §3–§5, §11).

Every step: `action_begin` locks the case and runs the one guard, the step writes its record, moves the
status through `case_transition` (the transition table), starts or meets its clocks, issues the paper
the law asks for, and leaves one immutable event — all in one transaction.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.choices import (
    CaseUnitRole,
    DispatchKind,
    EvaluationSource,
    EventKind,
    OpinionOutcome,
    OpinionStage,
    RecordStatus,
    ServiceMethod,
)
from xinfang.cases.models import (
    Case,
    CompletionReport,
    Dispatch,
    Evaluation,
    Extension,
    Hearing,
    Opinion,
    ReviewRequest,
    Service,
)
from xinfang.cases.services import (
    case_link_unit,
    case_transition,
    deadline_meet,
    deadline_move,
    deadline_open,
    event_record,
)
from xinfang.cases.workflow import ActionConflict, action_begin, answering_unit, is_above, petitioner_begin
from xinfang.deadlines.models import Step
from xinfang.deadlines.services import due_for
from xinfang.orgs.models import Unit

# Which opinion a status is waiting for, and the paper and clock that go with it.
STAGE_OF_STATUS = {
    S.HANDLING: OpinionStage.HANDLE,
    S.OPINION_ISSUED: OpinionStage.HANDLE,
    S.RECHECK: OpinionStage.RECHECK,
    S.REREVIEW: OpinionStage.REREVIEW,
}
OPINION_PAPER = {
    OpinionStage.HANDLE: "opinion",
    OpinionStage.RECHECK: "recheck_opinion",
    OpinionStage.REREVIEW: "rereview_opinion",
}
OPINION_CLOCK = {
    OpinionStage.HANDLE: Step.HANDLE,
    OpinionStage.RECHECK: Step.RECHECK_OPINION,
    OpinionStage.REREVIEW: Step.REREVIEW_OPINION,
}
# Where a served opinion leaves the case: a 交办 case still owes its 办结报告 (§22(三)); 复核 is final (§36).
AFTER_SERVICE = {OpinionStage.RECHECK: S.RECHECK_SERVED, OpinionStage.REREVIEW: S.FINAL}
DISPOSAL_CLOCKS = (Step.DISPOSE, Step.NOTIFY_DIRECT, Step.ACCEPT, Step.OBJECT)


def stage_of(status: str) -> str:
    return STAGE_OF_STATUS.get(status, OpinionStage.HANDLE)


def _today() -> datetime.date:
    return timezone.localdate()


def _date_text(day: datetime.date | None) -> str:
    return f"{day:%Y年%-m月%-d日}" if day else ""


def _finish(*, case, actor, unit, code, to_status=None, new_owner=None, reason="", data=None) -> Case:
    """Record the step: a status change through the table, or an `action` event and a version bump."""
    data = {"action": code, **(data or {})}
    if to_status is not None:
        return case_transition(
            case=case,
            to_status=to_status,
            actor=actor,
            unit=unit,
            reason=reason,
            changes=data,
            new_owner=new_owner,
        )
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
    event_record(case=case, kind=EventKind.ACTION, actor=actor, unit=unit, reason=reason, data=data)
    case.refresh_from_db()
    return case


def _paper(*, case, kind: str, unit, actor, extra: dict | None = None):
    """Issue the document this step produces (numbered per unit and year) and note it in the log."""
    from xinfang.documents.services import document_issue

    document = document_issue(case=case, kind=kind, unit=unit, actor=actor, extra=extra or {})
    event_record(
        case=case,
        kind=EventKind.DOCUMENT,
        actor=actor,
        unit=unit,
        data={"document_id": document.pk, "kind": kind, "number": document.number, "title": document.title},
    )
    return document


def _not_after_today(day: datetime.date, label: str) -> None:
    if day > _today():
        raise ActionConflict(_("%(label)s不能晚于今天。") % {"label": label}, code="future")


# --- Disposition (2022 条例 §22, §23, §31) --------------------------------------------------------


def _dispatch(*, case, actor, expected_version, code, kind, to_unit, note, copies, assisting, due_on=None):
    case, unit = action_begin(case=case, actor=actor, code=code, expected_version=expected_version)
    if to_unit.pk == unit.pk or not to_unit.is_active:
        raise ActionConflict(_("请选择其他单位作为承办单位。"), code="bad_unit")
    if due_on is not None and due_on <= _today():
        raise ActionConflict(_("交办期限必须晚于今天。"), code="bad_due")
    Dispatch.objects.create(
        case=case, kind=kind, from_unit=unit, to_unit=to_unit, actor=actor, due_on=due_on, note=note
    )
    for other in copies:
        case_link_unit(case=case, unit=other, role=CaseUnitRole.COPIED)
    for other in assisting:
        case_link_unit(case=case, unit=other, role=CaseUnitRole.ASSISTING)
    if kind == DispatchKind.ASSIGN:
        Case.objects.filter(pk=case.pk).update(assigning_unit=unit)
    deadline_meet(case=case, step=DISPOSAL_CLOCKS, actor=actor, unit=unit)
    today = _today()
    # The receiver: 15日 to tell the petitioner how it will be handled, 5 working days to object (§23 ¶3).
    deadline_open(case=case, step=Step.ACCEPT, unit=to_unit, starts_on=today, actor=actor)
    deadline_open(case=case, step=Step.OBJECT, unit=to_unit, starts_on=today, actor=actor)
    paper = "assign_slip" if kind == DispatchKind.ASSIGN else "transfer_slip"
    _paper(
        case=case,
        kind=paper,
        unit=unit,
        actor=actor,
        extra={
            "to_unit": to_unit.name,
            "copies": [u.name for u in [*copies, *assisting]],
            "due_on": due_on,
            "note": note,
            "requires_report": kind == DispatchKind.ASSIGN,
        },
    )
    data = {
        "to_unit": to_unit.name,
        "copies": [u.name for u in copies],
        "assisting": [u.name for u in assisting],
    }
    if due_on:
        data["due_on"] = due_on.isoformat()
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code=code,
        to_status=S.PENDING_SIGN,
        new_owner=to_unit,
        reason=note,
        data=data,
    )


@transaction.atomic
def case_transfer(
    *, case, actor, to_unit: Unit, note="", copies=(), assisting=(), expected_version=None
) -> Case:
    """转送 to the body with authority, with 抄送 and 协办 units (§22(二))."""
    return _dispatch(
        case=case,
        actor=actor,
        expected_version=expected_version,
        code="transfer",
        kind=DispatchKind.TRANSFER,
        to_unit=to_unit,
        note=note,
        copies=copies,
        assisting=assisting,
    )


@transaction.atomic
def case_assign(
    *,
    case,
    actor,
    to_unit: Unit,
    due_on: datetime.date,
    note="",
    copies=(),
    assisting=(),
    expected_version=None,
) -> Case:
    """交办 with a set deadline; the unit must send back a 办结报告 (§22(三))."""
    return _dispatch(
        case=case,
        actor=actor,
        expected_version=expected_version,
        code="assign",
        kind=DispatchKind.ASSIGN,
        to_unit=to_unit,
        note=note,
        copies=copies,
        assisting=assisting,
        due_on=due_on,
    )


@transaction.atomic
def case_accept(*, case, actor, accepted_on=None, route="", expected_version=None) -> Case:
    """受理: the 受理告知书 goes out and the 60-day handling clock starts (§23 ¶3, §34)."""
    case, unit = action_begin(case=case, actor=actor, code="accept", expected_version=expected_version)
    accepted_on = accepted_on or _today()
    _not_after_today(accepted_on, _("受理日期"))
    if accepted_on < case.received_on:
        raise ActionConflict(_("受理日期不能早于信访日期。"), code="bad_date")
    Case.objects.filter(pk=case.pk).update(accepted_on=accepted_on, handling_unit=unit)
    deadline_meet(case=case, step=DISPOSAL_CLOCKS, actor=actor, unit=unit)
    dispatch = case.dispatches.filter(to_unit=unit, returned_at__isnull=True).order_by("-id").first()
    if dispatch and dispatch.kind == DispatchKind.ASSIGN and dispatch.due_on:
        handle = deadline_open(
            case=case,
            step=Step.HANDLE,
            unit=unit,
            starts_on=accepted_on,
            actor=actor,
            fixed_due_on=dispatch.due_on,
            fixed_basis=_("交办单指定的办理期限（《信访工作条例》第二十二条）"),
        )
    else:
        handle = deadline_open(case=case, step=Step.HANDLE, unit=unit, starts_on=accepted_on, actor=actor)
    _paper(
        case=case,
        kind="accept_notice",
        unit=unit,
        actor=actor,
        extra={"accepted_on": accepted_on, "route": route, "handle_due_on": handle.due_on},
    )
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code="accept",
        to_status=S.HANDLING,
        reason=route,
        data={"accepted_on": accepted_on.isoformat()},
    )


def _refuse(*, case, actor, expected_version, code, to_status, paper, reason, basis, route="", data=None):
    case, unit = action_begin(case=case, actor=actor, code=code, expected_version=expected_version)
    extra = {"reason": reason, "basis": basis, "route": route, **(data or {})}
    _paper(case=case, kind=paper, unit=unit, actor=actor, extra=extra)
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code=code,
        to_status=to_status,
        reason=reason,
        data={"basis": basis, "route": route, **(data or {})},
    )


@transaction.atomic
def case_inform(*, case, actor, reason, route, basis="", expected_version=None) -> Case:
    """告知: outside the system's remit, tell the petitioner which body to approach (§23 ¶1)."""
    return _refuse(
        case=case,
        actor=actor,
        expected_version=expected_version,
        code="inform",
        to_status=S.INFORMED,
        paper="inform_notice",
        reason=reason,
        basis=basis or _("《信访工作条例》第二十三条"),
        route=route,
    )


@transaction.atomic
def case_divert(*, case, actor, route_code, reason, to_body="", expected_version=None) -> Case:
    """导入法定程序 (§31(一)–(五)), 涉法涉诉 to the 政法部门 (§28), 检举控告 to 纪检监察 (§30)."""
    from xinfang.cases.choices import DiversionRoute

    route = DiversionRoute(route_code).label + (f"：{to_body}" if to_body else "")
    return _refuse(
        case=case,
        actor=actor,
        expected_version=expected_version,
        code="divert",
        to_status=S.DIVERTED,
        paper="inform_notice",
        reason=reason,
        basis=_("《信访工作条例》第三十一条"),
        route=route,
        data={"route_code": route_code},
    )


@transaction.atomic
def case_not_accept(*, case, actor, reason, basis, route="", expected_version=None) -> Case:
    """不予受理 with the reason and its legal basis (§19 ¶3; 2005 条例 §21)."""
    return _refuse(
        case=case,
        actor=actor,
        expected_version=expected_version,
        code="not_accept",
        to_status=S.NOT_ACCEPTED,
        paper="not_accept_notice",
        reason=reason,
        basis=basis,
        route=route,
    )


@transaction.atomic
def case_no_longer_accept(*, case, actor, final_case: Case, reason, basis="", expected_version=None) -> Case:
    """不再受理: the same matter was finally decided after 复核 (§36 ¶3); point to that decision."""
    if final_case.status != S.FINAL:
        raise ActionConflict(
            _("信访件%(number)s尚未终结，不能据此不再受理。") % {"number": final_case.number},
            code="not_final",
        )
    return _refuse(
        case=case,
        actor=actor,
        expected_version=expected_version,
        code="no_longer_accept",
        to_status=S.NO_LONGER_ACCEPTED,
        paper="no_longer_notice",
        reason=reason,
        basis=basis or _("《信访工作条例》第三十六条第三款"),
        data={"final_case_number": final_case.number},
    )


@transaction.atomic
def case_archive(*, case, actor, reason, expected_version=None) -> Case:
    """存档: nothing to pass on (e.g. a letter of thanks, a copy of what is already registered)."""
    case, unit = action_begin(case=case, actor=actor, code="archive", expected_version=expected_version)
    return _finish(case=case, actor=actor, unit=unit, code="archive", to_status=S.ARCHIVED, reason=reason)


@transaction.atomic
def case_split(*, case, actor, parts: list[dict], expected_version=None) -> list[Case]:
    """一信多事: register each further issue as its own linked case, with its own clock (domain.md §3.9)."""
    from xinfang.intake.services import case_register_split

    case, unit = action_begin(case=case, actor=actor, code="split", expected_version=expected_version)
    created = [case_register_split(original=case, actor=actor, unit=unit, **part) for part in parts]
    _finish(case=case, actor=actor, unit=unit, code="split", data={"parts": [c.number for c in created]})
    return created


# --- The receiving unit (§23 ¶3) ----------------------------------------------------------------


@transaction.atomic
def case_sign(*, case, actor, expected_version=None) -> Case:
    """签收."""
    case, unit = action_begin(case=case, actor=actor, code="sign", expected_version=expected_version)
    Dispatch.objects.filter(case=case, to_unit=unit, signed_at__isnull=True, returned_at__isnull=True).update(
        signed_at=timezone.now()
    )
    return _finish(case=case, actor=actor, unit=unit, code="sign", to_status=S.SIGNED)


@transaction.atomic
def case_object(*, case, actor, reason, expected_version=None) -> Case:
    """退回/异议: outside our remit — back to the sender to re-route, within 5 working days (§23 ¶3)."""
    case, unit = action_begin(case=case, actor=actor, code="object", expected_version=expected_version)
    clock = case.deadlines.filter(step=Step.OBJECT, unit=unit).order_by("-id").first()
    if clock and clock.due_on < _today():
        raise ActionConflict(
            _("提出异议的期限（5个工作日）已于%(due)s届满，不能再退回，请受理或按规定处理。")
            % {"due": _date_text(clock.due_on)},
            code="window_closed",
        )
    dispatch = case.dispatches.filter(to_unit=unit, returned_at__isnull=True).order_by("-id").first()
    Dispatch.objects.filter(pk=dispatch.pk).update(returned_at=timezone.now(), return_reason=reason)
    deadline_meet(case=case, step=(Step.ACCEPT, Step.OBJECT), actor=actor, unit=unit)
    if dispatch.kind == DispatchKind.ASSIGN:
        Case.objects.filter(pk=case.pk).update(assigning_unit=None)
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code="object",
        to_status=S.RETURNED,
        new_owner=dispatch.from_unit,
        reason=reason,
        data={"to_unit": dispatch.from_unit.name},
    )


# --- Handling (§32–§34) -------------------------------------------------------------------------


@transaction.atomic
def case_note(*, case, actor, text, attachments=(), expected_version=None) -> Case:
    """An investigation note (调查核实) with optional files; 协办 units may add theirs."""
    from xinfang.common.validators import check_upload
    from xinfang.intake.services import attachment_store

    case, unit = action_begin(case=case, actor=actor, code="note", expected_version=expected_version)
    if not (text or "").strip():
        raise ActionConflict(_("请填写办理情况。"), code="empty")
    checked = [(upload, check_upload(upload)) for upload in attachments]  # wrong type: nothing is stored
    stored: list[str] = []
    names = [
        attachment_store(case=case, upload=upload, checked=info, actor=actor, stored=stored).original_name
        for upload, info in checked
    ]
    return _finish(case=case, actor=actor, unit=unit, code="note", reason=text, data={"attachments": names})


@transaction.atomic
def case_extension_request(*, case, actor, days: int, reason, expected_version=None) -> Case:
    """延期申请: once, at most 30 days (§34)."""
    case, unit = action_begin(
        case=case, actor=actor, code="extension_request", expected_version=expected_version
    )
    if not 1 <= days <= 30:
        raise ActionConflict(_("延长期限为1至30日（《信访工作条例》第三十四条）。"), code="bad_days")
    Extension.objects.create(case=case, unit=unit, days=days, reason=reason, requested_by=actor)
    return _finish(
        case=case, actor=actor, unit=unit, code="extension_request", reason=reason, data={"days": days}
    )


@transaction.atomic
def case_extension_decide(*, case, actor, approve: bool, note="", expected_version=None) -> Case:
    """The unit head approves (new deadline, 延期告知书 to the petitioner) or refuses (§34)."""
    case, unit = action_begin(
        case=case, actor=actor, code="extension_decide", expected_version=expected_version
    )
    extension = case.extensions.select_for_update().get(status=RecordStatus.PENDING)
    extension.decided_by, extension.decided_at, extension.decision_note = actor, timezone.now(), note
    if not approve:
        extension.status = RecordStatus.REFUSED
        extension.save()
        return _finish(
            case=case, actor=actor, unit=unit, code="extension_decide", reason=note, data={"approved": False}
        )
    why = _("经%(unit)s负责人批准延期%(days)d日（《信访工作条例》第三十四条）") % {
        "unit": unit.name,
        "days": extension.days,
    }
    clock = case.deadlines.get(step=Step.HANDLE, is_open=True)
    extension.old_due_on = clock.due_on
    clock = deadline_move(case=case, step=Step.HANDLE, days=extension.days, why=why, actor=actor, unit=unit)
    extension.status, extension.new_due_on = RecordStatus.APPROVED, clock.due_on
    extension.save()
    _paper(
        case=case,
        kind="extension_notice",
        unit=unit,
        actor=actor,
        extra={
            "reason": extension.reason,
            "old_due_on": extension.old_due_on,
            "new_due_on": extension.new_due_on,
            "days": extension.days,
        },
    )
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code="extension_decide",
        reason=note,
        data={"approved": True, "days": extension.days, "due_on": clock.due_on.isoformat()},
    )


@transaction.atomic
def case_opinion_draft(*, case, actor, outcome, facts, basis, text, expected_version=None) -> Case:
    """拟写 the 处理/复查/复核意见书; it needs facts and a legal basis (§32) and the head's sign-off."""
    case, unit = action_begin(case=case, actor=actor, code="opinion_draft", expected_version=expected_version)
    if not (basis or "").strip():
        raise ActionConflict(_("意见书必须写明法律政策依据（《信访工作条例》第三十二条）。"), code="no_basis")
    stage = stage_of(case.status)
    Opinion.objects.create(
        case=case,
        stage=stage,
        unit=unit,
        outcome=OpinionOutcome(outcome),
        facts=facts,
        basis=basis,
        text=text,
        drafted_by=actor,
    )
    return _finish(
        case=case, actor=actor, unit=unit, code="opinion_draft", data={"stage": stage, "outcome": outcome}
    )


def _remedy(case: Case, stage: str, unit: Unit) -> str:
    """The next remedy printed on an opinion: 复查 within 30日 one level up, then 复核, then none (§35, §36)."""
    limit = 30
    upper = unit.parent
    if stage == OpinionStage.REREVIEW or upper is None:
        return _("本意见为复核意见，信访人对同一事项以同一事实和理由再次提出的，不再受理。")
    what = _("复查") if stage == OpinionStage.HANDLE else _("复核")
    return _("如不服本意见，可自收到本意见书之日起%(days)d日内向%(upper)s或其上级机关书面申请%(what)s。") % {
        "days": limit,
        "upper": upper.name,
        "what": what,
    }


@transaction.atomic
def case_opinion_decide(*, case, actor, approve: bool, note="", expected_version=None) -> Case:
    """The unit head signs the opinion off (签发: the paper is numbered and issued) or sends it back."""
    case, unit = action_begin(
        case=case, actor=actor, code="opinion_decide", expected_version=expected_version
    )
    stage = stage_of(case.status)
    opinion = case.opinions.select_for_update().get(stage=stage, status=RecordStatus.PENDING)
    opinion.decided_by, opinion.decided_at, opinion.decision_note = actor, timezone.now(), note
    if not approve:
        opinion.status = RecordStatus.REFUSED
        opinion.save()
        return _finish(
            case=case, actor=actor, unit=unit, code="opinion_decide", reason=note, data={"approved": False}
        )
    opinion.status = RecordStatus.APPROVED
    opinion.save()
    deadline_meet(case=case, step=OPINION_CLOCK[stage], actor=actor, unit=unit)
    _paper(
        case=case,
        kind=OPINION_PAPER[stage],
        unit=unit,
        actor=actor,
        extra={
            "outcome": opinion.get_outcome_display(),
            "facts": opinion.facts,
            "basis": opinion.basis,
            "text": opinion.text,
            "remedy": _remedy(case, stage, unit),
            "approved_by": actor.get_full_name(),
        },
    )
    to_status = S.OPINION_ISSUED if stage == OpinionStage.HANDLE else None
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code="opinion_decide",
        to_status=to_status,
        reason=note,
        data={"approved": True, "stage": stage},
    )


@transaction.atomic
def case_serve(
    *,
    case,
    actor,
    method,
    served_on: datetime.date,
    recipient_signed=True,
    refused=False,
    petitioner_opinion="",
    expected_version=None,
) -> Case:
    """送达 the signed opinion; the 送达回证 records how, when, and what the petitioner said."""
    case, unit = action_begin(case=case, actor=actor, code="serve", expected_version=expected_version)
    _not_after_today(served_on, _("送达日期"))
    stage = stage_of(case.status)
    opinion = case.opinions.select_for_update().get(
        stage=stage, status=RecordStatus.APPROVED, served_on__isnull=True
    )
    if served_on < opinion.decided_at.astimezone(timezone.get_current_timezone()).date():
        raise ActionConflict(_("送达日期不能早于意见书签发日期。"), code="bad_date")
    Service.objects.create(
        case=case,
        opinion=opinion,
        method=ServiceMethod(method),
        served_on=served_on,
        served_by=actor,
        recipient_signed=recipient_signed and not refused,
        refused=refused,
        petitioner_opinion=petitioner_opinion,
    )
    Opinion.objects.filter(pk=opinion.pk).update(served_on=served_on)
    Case.objects.filter(pk=case.pk).update(served_on=served_on, handling_unit=opinion.unit)
    documents = case.documents.filter(kind=OPINION_PAPER[stage]).order_by("-id")
    served_paper = documents.first()
    _paper(
        case=case,
        kind="service_receipt",
        unit=unit,
        actor=actor,
        extra={
            "served_document": f"{served_paper.title} {served_paper.number}" if served_paper else "",
            "method": ServiceMethod(method).label,
            "served_on": served_on,
            "served_by": actor.get_full_name(),
            "signed": recipient_signed and not refused,
            "refused": refused,
            "petitioner_opinion": petitioner_opinion,
        },
    )
    if stage == OpinionStage.HANDLE:
        to_status = S.SERVED if case.assigning_unit_id else S.CLOSED
    else:
        to_status = AFTER_SERVICE[stage]
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code="serve",
        to_status=to_status,
        data={"served_on": served_on.isoformat(), "method": method, "refused": refused},
    )


@transaction.atomic
def case_settle(*, case, actor, agreement, expected_version=None) -> Case:
    """调解协议 / 和解协议: the matter ends by agreement (§33)."""
    case, unit = action_begin(case=case, actor=actor, code="settle", expected_version=expected_version)
    return _finish(case=case, actor=actor, unit=unit, code="settle", to_status=S.SETTLED, reason=agreement)


# --- 交办: the 办结报告 (§22(三)) -----------------------------------------------------------------


@transaction.atomic
def case_report_submit(*, case, actor, text, contact="", expected_version=None) -> Case:
    case, unit = action_begin(case=case, actor=actor, code="report_submit", expected_version=expected_version)
    assigning = case.assigning_unit
    CompletionReport.objects.create(
        case=case, unit=unit, to_unit=assigning, text=text, contact=contact, submitted_by=actor
    )
    opinion = (
        case.opinions.filter(stage=OpinionStage.HANDLE, status=RecordStatus.APPROVED).order_by("-id").first()
    )
    slip = case.documents.filter(kind="assign_slip").order_by("-id").first()
    _paper(
        case=case,
        kind="completion_report",
        unit=unit,
        actor=actor,
        extra={
            "to_unit": assigning.name,
            "assign_doc_number": slip.number if slip else "",
            "facts": opinion.facts if opinion else "",
            "outcome": opinion.get_outcome_display() if opinion else "",
            "text": text,
            "signer": actor.get_full_name(),
            "contact": contact,
        },
    )
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code="report_submit",
        to_status=S.REPORTED,
        new_owner=assigning,
        reason=text,
    )


@transaction.atomic
def case_report_decide(
    *, case, actor, approve: bool, note="", rework_due_on: datetime.date | None = None, expected_version=None
) -> Case:
    """审核认定办结, or 退回重办 with reasons and a new deadline."""
    case, unit = action_begin(case=case, actor=actor, code="report_decide", expected_version=expected_version)
    report = case.reports.select_for_update().get(status=RecordStatus.PENDING)
    report.decided_by, report.decided_at, report.decision_note = actor, timezone.now(), note
    if approve:
        report.status = RecordStatus.APPROVED
        report.save()
        return _finish(
            case=case,
            actor=actor,
            unit=unit,
            code="report_decide",
            to_status=S.CLOSED,
            reason=note,
            data={"approved": True},
        )
    if not note.strip():
        raise ActionConflict(_("退回重办必须写明理由。"), code="no_reason")
    if rework_due_on is None or rework_due_on <= _today():
        raise ActionConflict(_("请指定晚于今天的重办期限。"), code="bad_due")
    report.status = RecordStatus.REFUSED
    report.save()
    deadline_open(
        case=case,
        step=Step.HANDLE,
        unit=report.unit,
        starts_on=_today(),
        actor=actor,
        fixed_due_on=rework_due_on,
        fixed_basis=_("交办单位退回重办指定的期限（《信访工作条例》第二十二条）"),
    )
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code="report_decide",
        to_status=S.HANDLING,
        new_owner=report.unit,
        reason=note,
        data={"approved": False, "due_on": rework_due_on.isoformat()},
    )


# --- After the answer: evaluation, 复查, 复核 (§35, §36) -------------------------------------------


def evaluation_window_end(case: Case) -> datetime.date | None:
    if not case.served_on:
        return None
    return case.served_on + datetime.timedelta(days=settings.EVALUATION_WINDOW_DAYS)


def evaluated_unit(case: Case, target: str) -> Unit:
    """The 信访部门 that disposed of the case, or the unit that answered (国信发〔2014〕16号)."""
    if target == "handler":
        return answering_unit(case)
    first = case.dispatches.order_by("id").first()
    return first.from_unit if first else case.registering_unit


@transaction.atomic
def case_evaluate(*, case, actor, target, level, source, reason="", expected_version=None) -> Case:
    """Record the petitioner's evaluation (taken by phone or in person) within the window."""
    case, unit = action_begin(case=case, actor=actor, code="evaluate", expected_version=expected_version)
    return _evaluation_record(
        case=case, actor=actor, unit=unit, target=target, level=level, source=source, reason=reason
    )


@transaction.atomic
def case_evaluate_online(*, case, target, level, reason="") -> Case:
    """The petitioner evaluates on the portal: same window and once-only rule (国信发〔2014〕16号)."""
    case = petitioner_begin(case=case, code="evaluate")
    return _evaluation_record(
        case=case,
        actor=None,
        unit=None,
        target=target,
        level=level,
        source=EvaluationSource.PORTAL,
        reason=reason,
    )


def _evaluation_record(*, case, actor, unit, target, level, source, reason) -> Case:
    window_end = evaluation_window_end(case)
    if _today() > window_end:
        raise ActionConflict(
            _("评价期已于%(end)s结束（送达后%(days)d日内），本件计为超期未评价。")
            % {"end": _date_text(window_end), "days": settings.EVALUATION_WINDOW_DAYS},
            code="window_closed",
        )
    stage = (
        case.opinions.filter(served_on__isnull=False).order_by("-id").values_list("stage", flat=True).first()
    )
    stage = stage or OpinionStage.HANDLE
    if Evaluation.objects.filter(case=case, stage=stage, target=target).exists():
        raise ActionConflict(_("已录入过对该单位的评价。"), code="duplicate")
    rated = evaluated_unit(case, target)
    Evaluation.objects.create(
        case=case,
        stage=stage,
        target=target,
        unit=rated,
        level=level,
        reason=reason,
        source=source,
        recorded_by=actor,
    )
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code="evaluate",
        reason=reason,
        data={"target": target, "unit": rated.name, "level": level, "source": source},
    )


def _review(*, case, actor, expected_version, code, **fields):
    case, unit = action_begin(case=case, actor=actor, code=code, expected_version=expected_version)
    return _review_record(case=case, actor=actor, unit=unit, code=code, **fields)


def _review_record(
    *,
    case,
    actor,
    unit,
    code,
    stage,
    request_step,
    opinion_step,
    to_status,
    requested_on,
    review_unit,
    reason,
):
    _not_after_today(requested_on, _("申请日期"))
    if requested_on < case.served_on:
        raise ActionConflict(_("申请日期不能早于意见书送达日期。"), code="bad_date")
    window = due_for(rule_set=case.rule_set, step=request_step, starts_on=case.served_on)
    if requested_on > window.due_on:
        raise ActionConflict(
            _("申请期限已于%(due)s届满（收到意见书之日起%(days)d日内），不能再申请。%(how)s")
            % {"due": _date_text(window.due_on), "days": window.days, "how": window.explain()},
            code="window_closed",
        )
    answered_by = answering_unit(case)
    if not is_above(review_unit, answered_by):
        raise ActionConflict(_("应向%(unit)s的上级机关申请。") % {"unit": answered_by.name}, code="bad_unit")
    ReviewRequest.objects.create(
        case=case,
        stage=stage,
        requested_on=requested_on,
        from_unit=answered_by,
        review_unit=review_unit,
        reason=reason,
        recorded_by=actor,
    )
    deadline_open(case=case, step=opinion_step, unit=review_unit, starts_on=requested_on, actor=actor)
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code=code,
        to_status=to_status,
        new_owner=review_unit,
        reason=reason,
        data={"requested_on": requested_on.isoformat(), "review_unit": review_unit.name},
    )


@transaction.atomic
def case_recheck_request(
    *, case, actor, requested_on, review_unit: Unit, reason, expected_version=None
) -> Case:
    """复查 request within 30日 of receiving the opinion, to the body one level up (§35)."""
    return _review(
        case=case,
        actor=actor,
        expected_version=expected_version,
        code="recheck_request",
        stage=OpinionStage.RECHECK,
        request_step=Step.RECHECK_REQUEST,
        opinion_step=Step.RECHECK_OPINION,
        to_status=S.RECHECK,
        requested_on=requested_on,
        review_unit=review_unit,
        reason=reason,
    )


@transaction.atomic
def case_rereview_request(
    *, case, actor, requested_on, review_unit: Unit, reason, expected_version=None
) -> Case:
    """复核 request within 30日 of receiving the 复查意见, to the body above the reviewer (§36)."""
    return _review(
        case=case,
        actor=actor,
        expected_version=expected_version,
        code="rereview_request",
        stage=OpinionStage.REREVIEW,
        request_step=Step.REREVIEW_REQUEST,
        opinion_step=Step.REREVIEW_OPINION,
        to_status=S.REREVIEW,
        requested_on=requested_on,
        review_unit=review_unit,
        reason=reason,
    )


REVIEW_STAGES = {
    # status → (action, stage, request clock, opinion clock, next status) — 复查 (§35), then 复核 (§36)
    S.SERVED: (
        "recheck_request",
        OpinionStage.RECHECK,
        Step.RECHECK_REQUEST,
        Step.RECHECK_OPINION,
        S.RECHECK,
    ),
    S.CLOSED: (
        "recheck_request",
        OpinionStage.RECHECK,
        Step.RECHECK_REQUEST,
        Step.RECHECK_OPINION,
        S.RECHECK,
    ),
    S.RECHECK_SERVED: (
        "rereview_request",
        OpinionStage.REREVIEW,
        Step.REREVIEW_REQUEST,
        Step.REREVIEW_OPINION,
        S.REREVIEW,
    ),
}


def bureau_above(unit: Unit) -> Unit | None:
    """The nearest 信访部门 above `unit`: where an online 复查/复核 request goes by default."""
    upper = unit.parent
    while upper is not None and not upper.is_bureau:
        upper = upper.parent
    return upper


@transaction.atomic
def case_review_online(*, case, reason) -> Case:
    """The petitioner asks for 复查 (or, after the 复查意见, 复核) on the portal, dated today."""
    stage_plan = REVIEW_STAGES.get(case.status)
    if stage_plan is None:
        raise ActionConflict(_("本件目前不能申请复查或复核。"), code="conflict")
    code, stage, request_step, opinion_step, to_status = stage_plan
    case = petitioner_begin(case=case, code=code)
    review_unit = bureau_above(answering_unit(case))
    if review_unit is None:
        raise ActionConflict(_("没有可以受理申请的上级机关，请到信访部门咨询。"), code="bad_unit")
    return _review_record(
        case=case,
        actor=None,
        unit=None,
        code=code,
        stage=stage,
        request_step=request_step,
        opinion_step=opinion_step,
        to_status=to_status,
        requested_on=_today(),
        review_unit=review_unit,
        reason=reason,
    )


@transaction.atomic
def case_hearing_start(*, case, actor, started_on, note="", expected_version=None) -> Case:
    """听证 starts: the 复核 clock pauses (hearing time is not counted, §36 ¶2)."""
    case, unit = action_begin(case=case, actor=actor, code="hearing_start", expected_version=expected_version)
    _not_after_today(started_on, _("听证开始日期"))
    Hearing.objects.create(case=case, started_on=started_on, note=note, recorded_by=actor)
    case.deadlines.filter(step=Step.REREVIEW_OPINION, is_open=True).update(paused_on=started_on)
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code="hearing_start",
        reason=note,
        data={"started_on": started_on.isoformat()},
    )


@transaction.atomic
def case_hearing_end(*, case, actor, ended_on, note="", expected_version=None) -> Case:
    """听证 ends: the clock resumes, its due date moved on by the hearing's days."""
    case, unit = action_begin(case=case, actor=actor, code="hearing_end", expected_version=expected_version)
    hearing = case.hearings.select_for_update().get(ended_on__isnull=True)
    _not_after_today(ended_on, _("听证结束日期"))
    if ended_on < hearing.started_on:
        raise ActionConflict(_("听证结束日期不能早于开始日期。"), code="bad_date")
    hearing.ended_on = ended_on
    hearing.save(update_fields=["ended_on"])
    paused = (ended_on - hearing.started_on).days + 1
    clock = case.deadlines.filter(step=Step.REREVIEW_OPINION, is_open=True).first()
    if clock:
        case.deadlines.filter(pk=clock.pk).update(paused_on=None, paused_days=F("paused_days") + paused)
        why = _("听证%(days)d日不计入复核期限（《信访工作条例》第三十六条）") % {"days": paused}
        deadline_move(case=case, step=Step.REREVIEW_OPINION, days=paused, why=why, actor=actor, unit=unit)
    return _finish(
        case=case,
        actor=actor,
        unit=unit,
        code="hearing_end",
        reason=note,
        data={"ended_on": ended_on.isoformat(), "days": paused},
    )


# The service of each action, called by the web form and the API alike.
STEP_SERVICES = {
    "transfer": case_transfer,
    "assign": case_assign,
    "accept": case_accept,
    "inform": case_inform,
    "divert": case_divert,
    "not_accept": case_not_accept,
    "no_longer_accept": case_no_longer_accept,
    "archive": case_archive,
    "split": case_split,
    "sign": case_sign,
    "object": case_object,
    "note": case_note,
    "extension_request": case_extension_request,
    "extension_decide": case_extension_decide,
    "opinion_draft": case_opinion_draft,
    "opinion_decide": case_opinion_decide,
    "serve": case_serve,
    "settle": case_settle,
    "report_submit": case_report_submit,
    "report_decide": case_report_decide,
    "evaluate": case_evaluate,
    "recheck_request": case_recheck_request,
    "rereview_request": case_rereview_request,
    "hearing_start": case_hearing_start,
    "hearing_end": case_hearing_end,
}
