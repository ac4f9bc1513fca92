"""Reads at the public portal: the holder's progress page, the FAQ and the published replies.

The progress page is built from an allow-list: public states and dates, deadlines in plain words and
the papers addressed to the petitioner. Staff names, notes, reasons for internal steps, other
petitioners and the 被反映人 of a 检举控告 never reach it.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.cases import steps
from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.choices import (
    DispatchKind,
    EvaluationTarget,
    EventKind,
    OpinionStage,
    RecordStatus,
)
from xinfang.cases.models import Case, Evaluation
from xinfang.cases.workflow import ANSWERED, answering_unit
from xinfang.deadlines.models import Step
from xinfang.deadlines.services import due_for
from xinfang.documents.choices import DocKind
from xinfang.documents.models import CaseDocument
from xinfang.messaging.choices import ScreeningStatus
from xinfang.messaging.models import Publication
from xinfang.messaging.selectors import portal_unit
from xinfang.portal.services import Holder

PAGE_SIZE = 20
SEARCH_MAX = 100

# The papers addressed to the petitioner (domain.md §11); slips and reports go to units only.
PETITIONER_KINDS = (
    DocKind.ACCEPT_NOTICE,
    DocKind.NOT_ACCEPT_NOTICE,
    DocKind.NO_LONGER_NOTICE,
    DocKind.INFORM_NOTICE,
    DocKind.EXTENSION_NOTICE,
    DocKind.OPINION,
    DocKind.RECHECK_OPINION,
    DocKind.REREVIEW_OPINION,
)
OPINION_KIND_STAGE = {
    DocKind.OPINION: OpinionStage.HANDLE,
    DocKind.RECHECK_OPINION: OpinionStage.RECHECK,
    DocKind.REREVIEW_OPINION: OpinionStage.REREVIEW,
}

# What the public is told a status means: internal waiting points read as the step the citizen cares about.
PUBLIC_STATUS = {
    S.REGISTERED: gettext_lazy("已登记，正在审查交转"),
    S.RETURNED: gettext_lazy("已登记，正在审查交转"),
    S.PENDING_SIGN: gettext_lazy("已交转有关单位"),
    S.SIGNED: gettext_lazy("有关单位已签收，待受理"),
    S.HANDLING: gettext_lazy("已受理，正在办理"),
    S.OPINION_ISSUED: gettext_lazy("已出具处理意见，正在送达"),
    S.SERVED: gettext_lazy("处理意见已送达"),
    S.REPORTED: gettext_lazy("处理意见已送达"),
    S.CLOSED: gettext_lazy("已办结"),
    S.INFORMED: gettext_lazy("已告知向有权处理的机关提出"),
    S.DIVERTED: gettext_lazy("已告知通过法定途径解决"),
    S.NOT_ACCEPTED: gettext_lazy("不予受理"),
    S.NO_LONGER_ACCEPTED: gettext_lazy("不再受理"),
    S.ARCHIVED: gettext_lazy("已存档"),
    S.RECHECK: gettext_lazy("复查中"),
    S.RECHECK_SERVED: gettext_lazy("复查意见已送达"),
    S.REREVIEW: gettext_lazy("复核中"),
    S.SETTLED: gettext_lazy("调解、和解结案"),
    S.FINAL: gettext_lazy("已终结"),
}
# Statuses whose arrival is itself a public event (date from the case's log).
ENDINGS = (
    S.INFORMED,
    S.DIVERTED,
    S.NOT_ACCEPTED,
    S.NO_LONGER_ACCEPTED,
    S.SETTLED,
    S.CLOSED,
    S.FINAL,
)
# The clocks the petitioner is owed an answer by, in plain words.
CLOCK_WORDS = {
    Step.DISPOSE: gettext_lazy("信访部门应在%(date)s前将您反映的事项交转有关单位或直接受理。"),
    Step.NOTIFY_DIRECT: gettext_lazy("应在%(date)s前书面告知您是否受理。"),
    Step.ACCEPT: gettext_lazy("承办单位应在%(date)s前书面告知您是否受理。"),
    Step.HANDLE: gettext_lazy("应在%(date)s前办结，并书面答复您。"),
    Step.RECHECK_OPINION: gettext_lazy("复查机关应在%(date)s前出具复查意见。"),
    Step.REREVIEW_OPINION: gettext_lazy("复核机关应在%(date)s前出具复核意见。"),
}
MESSAGE_STATUS = {
    ScreeningStatus.NEW: gettext_lazy("已收到，正在审查"),
    ScreeningStatus.ANSWERED: gettext_lazy("已答复"),
    ScreeningStatus.CONVERTED: gettext_lazy("已转为信访件办理"),
    ScreeningStatus.MERGED: gettext_lazy("已与反映同一事项的信访件合并办理"),
    ScreeningStatus.SPAM: gettext_lazy("经审查，不作为信访事项处理"),
}


def date_text(day: datetime.date | None) -> str:
    return f"{day:%Y年%-m月%-d日}" if day else ""


def _day(moment: datetime.datetime | datetime.date | None) -> datetime.date | None:
    if isinstance(moment, datetime.datetime):
        return timezone.localdate(moment)
    return moment


@dataclass(frozen=True)
class Entry:
    day: datetime.date
    text: str


@dataclass
class Progress:
    """Everything the progress page shows; built only from the allow-listed facts above."""

    number: str
    kind_label: str
    title: str  # "" where it is withheld (检举控告, 举报)
    received_on: datetime.date | None
    status_label: str
    answer: str = ""  # a screening answer written to the sender
    case_number: str = ""
    timeline: list[Entry] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)
    documents: list[CaseDocument] = field(default_factory=list)
    evaluate_targets: list[tuple[str, str]] = field(default_factory=list)  # (code, label) still open
    evaluation_ends: datetime.date | None = None
    review_label: str = ""  # "复查" / "复核" when it may be asked for now
    review_ends: datetime.date | None = None
    owns_case: bool = False


def holder_progress(holder: Holder) -> Progress:
    """The holder's page: their message and/or the case, public facts only."""
    message, case = holder.message, holder.case
    if message is not None:
        progress = _message_progress(holder)
    else:
        progress = Progress(
            number=case.number,
            kind_label=_("信访件"),
            title="" if case.protects_identity else case.title,
            received_on=case.received_on,
            status_label=str(PUBLIC_STATUS.get(case.status, "")),
        )
    if case is not None:
        _add_case(progress, case, owns=holder.owns_case, merged=message is not None and not holder.owns_case)
    progress.timeline.sort(key=lambda e: e.day)
    return progress


def _message_progress(holder: Holder) -> Progress:
    message = holder.message
    withheld = message.kind == "report" or (holder.case is not None and holder.case.protects_identity)
    progress = Progress(
        number=message.number,
        kind_label=message.get_kind_display(),
        title="" if withheld else message.title,
        received_on=timezone.localdate(message.received_at),
        status_label=str(MESSAGE_STATUS.get(message.status, "")),
        answer=message.answer if message.status != ScreeningStatus.NEW else "",
    )
    progress.timeline.append(
        Entry(progress.received_on, _("收到您的留言（编号%(n)s）") % {"n": message.number})
    )
    if message.status == ScreeningStatus.NEW:
        progress.deadlines.append(_("我们将在%(date)s前答复您。") % {"date": date_text(message.due_on)})
    elif message.handled_at:
        progress.timeline.append(Entry(timezone.localdate(message.handled_at), progress.status_label))
    if holder.case is not None and holder.owns_case:
        progress.case_number = holder.case.number
    return progress


def _unit_name(case: Case, unit) -> str:
    """检举控告: the units are not named (nothing about the accused beyond the opinion, §30)."""
    return _("有关单位") if case.protects_identity else unit.name


def _add_case(progress: Progress, case: Case, *, owns: bool, merged: bool) -> None:
    case = Case.objects.select_related("handling_unit", "owner_unit", "purpose", "rule_set").get(pk=case.pk)
    progress.owns_case = owns
    if merged:  # merged into a case of the same matter: say so, then that case's state
        progress.status_label = f"{progress.status_label}（{PUBLIC_STATUS.get(case.status, '')}）"
    else:
        progress.status_label = str(PUBLIC_STATUS.get(case.status, progress.status_label))
    progress.timeline.extend(_case_timeline(case, owns=owns))
    progress.deadlines.extend(_case_deadlines(case))
    if owns:
        progress.documents = petitioner_documents(case)
        _add_remedies(progress, case)


def _case_timeline(case: Case, *, owns: bool) -> list[Entry]:
    entries = [Entry(timezone.localdate(case.registered_at), _("登记为信访件"))]
    for dispatch in case.dispatches.filter(returned_at__isnull=True).select_related("to_unit"):
        verb = _("交办") if dispatch.kind == DispatchKind.ASSIGN else _("转送")
        entries.append(
            Entry(
                timezone.localdate(dispatch.created_at),
                _("%(verb)s%(unit)s办理") % {"verb": verb, "unit": _unit_name(case, dispatch.to_unit)},
            )
        )
    if case.accepted_on and case.handling_unit_id:
        text = _("%(unit)s已受理") % {"unit": _unit_name(case, case.handling_unit)}
        entries.append(Entry(case.accepted_on, text))
    for extension in case.extensions.filter(status=RecordStatus.APPROVED):
        text = _("经批准延期办理，办理期限延至%(date)s") % {"date": date_text(extension.new_due_on)}
        entries.append(Entry(_day(extension.decided_at), text))
    for opinion in case.opinions.filter(served_on__isnull=False):
        label = {
            OpinionStage.HANDLE: _("处理意见书"),
            OpinionStage.RECHECK: _("复查意见书"),
            OpinionStage.REREVIEW: _("复核意见书"),
        }[opinion.stage]
        entries.append(Entry(opinion.served_on, _("%(paper)s已送达") % {"paper": label}))
    for request in case.review_requests.select_related("review_unit"):
        what = _("复查") if request.stage == OpinionStage.RECHECK else _("复核")
        text = _("申请%(what)s，由%(unit)s办理") % {
            "what": what,
            "unit": _unit_name(case, request.review_unit),
        }
        entries.append(Entry(request.requested_on, text))
    if owns:
        for evaluation in case.evaluations.all():
            text = _("您对%(target)s的评价：%(level)s") % {
                "target": evaluation.get_target_display(),
                "level": evaluation.get_level_display(),
            }
            entries.append(Entry(_day(evaluation.recorded_at), text))
    endings = case.events.filter(kind=EventKind.TRANSITION, to_status__in=ENDINGS).order_by("id")
    for event in endings.only("to_status", "created_at"):
        entries.append(Entry(timezone.localdate(event.created_at), str(PUBLIC_STATUS[event.to_status])))
    return entries


def _case_deadlines(case: Case) -> list[str]:
    words = []
    clocks = case.deadlines.filter(is_open=True, step__in=list(CLOCK_WORDS)).order_by("due_on")
    for clock in clocks:
        words.append(str(CLOCK_WORDS[clock.step]) % {"date": date_text(clock.due_on)})
        if clock.paused_on:
            words.append(_("正在举行听证，听证时间不计入期限。"))
    return words


def _add_remedies(progress: Progress, case: Case) -> None:
    """Evaluation (within the window, once per target) and 复查/复核 (within 30日), if open today."""
    today = timezone.localdate()
    if case.status in ANSWERED and case.served_on:
        ends = steps.evaluation_window_end(case)
        stage = (
            case.opinions.filter(served_on__isnull=False)
            .order_by("-id")
            .values_list("stage", flat=True)
            .first()
        ) or OpinionStage.HANDLE
        done = set(Evaluation.objects.filter(case=case, stage=stage).values_list("target", flat=True))
        targets = [(code, str(label)) for code, label in EvaluationTarget.choices if code not in done]
        if ends and today <= ends and targets:
            progress.evaluate_targets, progress.evaluation_ends = targets, ends
            progress.deadlines.append(_("您可以在%(date)s前对办理情况进行评价。") % {"date": date_text(ends)})
    plan = steps.REVIEW_STAGES.get(case.status)
    if plan and case.served_on and steps.bureau_above(answering_unit(case)) is not None:
        _code, stage, request_step, _opinion_step, _next = plan
        window = due_for(rule_set=case.rule_set, step=request_step, starts_on=case.served_on)
        if today <= window.due_on:
            progress.review_label = _("复查") if stage == OpinionStage.RECHECK else _("复核")
            progress.review_ends = window.due_on
            progress.deadlines.append(
                _("如对处理意见不服，可在%(date)s前申请%(what)s。")
                % {"date": date_text(window.due_on), "what": progress.review_label}
            )


def petitioner_documents(case: Case) -> list[CaseDocument]:
    """The papers meant for the petitioner, in issue order; an opinion only once it has been served."""
    documents = list(
        CaseDocument.objects.filter(case=case, kind__in=PETITIONER_KINDS).order_by("created_at", "id")
    )
    served = {
        stage: case.opinions.filter(stage=stage, served_on__isnull=False).count()
        for stage in OPINION_KIND_STAGE.values()
    }
    shown, seen = [], dict.fromkeys(OPINION_KIND_STAGE, 0)
    for document in documents:
        stage = OPINION_KIND_STAGE.get(document.kind)
        if stage is not None:
            seen[document.kind] += 1
            if seen[document.kind] > served[stage]:
                continue
        document.case = case
        shown.append(document)
    return shown


def petitioner_document(holder: Holder, document_id: int) -> CaseDocument | None:
    if holder.case is None or not holder.owns_case:
        return None
    return next((d for d in petitioner_documents(holder.case) if d.pk == document_id), None)


# --- Publications -------------------------------------------------------------------------------------


def publications_public(kind: str) -> QuerySet[Publication]:
    return Publication.objects.filter(
        kind=kind, published_at__isnull=False, withdrawn_at__isnull=True, published_at__lte=timezone.now()
    ).order_by("-published_at", "-id")


def publication_search(*, kind: str, text: str = "", page: int | str = 1):
    """A page of approved FAQ entries or replies, optionally matching `text` in title, question or answer."""
    queryset = publications_public(kind).only(
        "id", "kind", "title", "question", "answer", "answered_by_unit", "published_at"
    )
    text = " ".join((text or "").split())[:SEARCH_MAX]
    if text:
        queryset = queryset.filter(
            Q(title__icontains=text) | Q(question__icontains=text) | Q(answer__icontains=text)
        )
    return Paginator(queryset, PAGE_SIZE).get_page(page), text


def publication_get(*, kind: str, pk: int) -> Publication | None:
    return publications_public(kind).filter(pk=pk).first()


# --- The portal's masthead ---------------------------------------------------------------------------------


def portal_identity() -> dict:
    """County name and the phone for help, from settings or else the screening 信访部门."""
    try:
        unit = portal_unit()
    except ImproperlyConfigured:
        unit = None
    county = settings.PORTAL_COUNTY_NAME or (unit.region.name if unit is not None else "")
    phone = settings.PORTAL_PHONE or (unit.contact_phone if unit is not None else "")
    return {"county": county, "phone": phone, "unit": unit.name if unit is not None else ""}
