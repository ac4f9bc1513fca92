"""Reads of cases: the workbench, look-up, the case page and earlier cases of a petitioner."""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from xinfang.cases.access import cases_visible_to, without_hidden_identities
from xinfang.cases.models import Case, Petitioner
from xinfang.common.validators import normalize_phone
from xinfang.deadlines.selectors import load_calendar
from xinfang.orgs.models import Role, Unit

LIST_RELATED = ("channel", "purpose", "owner_unit")


def working_days_ahead(start: datetime.date, count: int) -> datetime.date:
    """The date `count` working days after `start` (the amber "due soon" edge of the workbench)."""
    calendar = load_calendar(start, start + datetime.timedelta(days=count * 3 + 30))
    day, left = start, count
    while left > 0:
        day += datetime.timedelta(days=1)
        if calendar.is_workday(day):
            left -= 1
    return day


@dataclass(frozen=True)
class Workbench:
    unit: Unit
    today: datetime.date
    soon_until: datetime.date
    overdue: int
    due_soon: int
    later: int
    no_deadline: int

    @property
    def total(self) -> int:
        return self.overdue + self.due_soon + self.later + self.no_deadline


def workbench_counts(*, unit: Unit, due_soon_days: int, today: datetime.date | None = None) -> Workbench:
    """Counts per group of the unit's open cases; each is one range scan of the `case_workbench` index."""
    today = today or timezone.localdate()
    soon_until = working_days_ahead(today, due_soon_days)
    open_cases = Case.objects.filter(owner_unit=unit, is_open=True)
    return Workbench(
        unit=unit,
        today=today,
        soon_until=soon_until,
        overdue=open_cases.filter(due_on__lt=today).count(),
        due_soon=open_cases.filter(due_on__gte=today, due_on__lte=soon_until).count(),
        later=open_cases.filter(due_on__gt=soon_until).count(),
        no_deadline=open_cases.filter(due_on__isnull=True).count(),
    )


def workbench_cases(*, bench: Workbench, group: str) -> QuerySet[Case]:
    """The cases of one workbench group, earliest deadline first."""
    open_cases = Case.objects.filter(owner_unit=bench.unit, is_open=True).select_related(*LIST_RELATED)
    filters = {
        "overdue": Q(due_on__lt=bench.today),
        "due_soon": Q(due_on__gte=bench.today, due_on__lte=bench.soon_until),
        "later": Q(due_on__gt=bench.soon_until),
        "none": Q(due_on__isnull=True),
    }
    return open_cases.filter(filters.get(group, filters["overdue"])).order_by("due_on", "id")


NUMBER_RE = re.compile(r"^\d{19}$")
QUERY_CODE_RE = re.compile(r"^\d{10}$")
PHONE_RE = re.compile(r"^\+?[\d\- ]{7,20}$")


def case_lookup(*, user, text: str) -> QuerySet[Case]:
    """Find visible cases by number, 查询码, petitioner phone or petitioner name (exact, indexed)."""
    text = (text or "").strip()
    if not text:
        return Case.objects.none()
    if NUMBER_RE.match(text):
        matched = Q(number=text)
    elif QUERY_CODE_RE.match(text):
        matched = Q(query_code=text)
    elif PHONE_RE.match(text):
        try:
            phone = normalize_phone(text)
        except Exception:  # noqa: BLE001 - an unparsable number simply finds nothing
            return Case.objects.none()
        matched = Q(pk__in=Petitioner.objects.filter(phone=phone).values("case_id"))
    else:
        matched = Q(pk__in=Petitioner.objects.filter(name=text[:40]).values("case_id"))
    queryset = Case.objects.filter(matched).select_related(*LIST_RELATED).order_by("-registered_at")
    if not (NUMBER_RE.match(text) or QUERY_CODE_RE.match(text)):
        queryset = without_hidden_identities(user, queryset)  # a search by a person (2022 条例 §30 ¶3)
    return cases_visible_to(user, queryset)


@dataclass(frozen=True)
class EarlierCases:
    visible: list[Case]
    hidden_count: int


def earlier_cases_of(
    *, user, id_number: str = "", phone: str = "", name: str = "", address: str = "", limit: int = 20
) -> EarlierCases:
    """Earlier cases of the same petitioner (ID number, phone, or name + address), for repeat marking.

    Cases the user may not open are only counted, never shown.
    """
    match = Q()
    if id_number:
        match |= Q(id_number=id_number.strip().upper())
    if phone:
        try:
            match |= Q(phone=normalize_phone(phone))
        except Exception:  # noqa: BLE001, S110 - an invalid phone just does not match
            pass
    if name and address:
        match |= Q(name=name.strip(), address=address.strip())
    if not match:
        return EarlierCases(visible=[], hidden_count=0)
    case_ids = Petitioner.objects.filter(match).values("case_id")
    all_matches = without_hidden_identities(user, Case.objects.filter(pk__in=case_ids))
    visible = list(
        cases_visible_to(user, all_matches).select_related(*LIST_RELATED).order_by("-registered_at")[:limit]
    )
    hidden = all_matches.count() - cases_visible_to(user, all_matches).count()
    return EarlierCases(visible=visible, hidden_count=hidden)


def case_timeline(case: Case):
    return case.events.select_related("actor", "unit").order_by("created_at", "id")


def sent_dispatches(*, unit, only_open: bool = False):
    """What `unit` passed down (转送/交办), newest first, with where each case is now."""
    from xinfang.cases.models import Dispatch

    sent = Dispatch.objects.filter(from_unit=unit).select_related(
        "to_unit", "case", "case__owner_unit", "case__channel"
    )
    if only_open:
        sent = sent.filter(case__is_open=True)
    return sent.order_by("-created_at", "-id")


def pending_record(case: Case, code: str):
    """What a decision step decides on, shown above its form: the request, draft or report."""
    from xinfang.cases.choices import RecordStatus
    from xinfang.cases.steps import stage_of

    if code == "extension_decide":
        return case.extensions.filter(status=RecordStatus.PENDING).first()
    if code == "opinion_decide":
        return case.opinions.filter(stage=stage_of(case.status), status=RecordStatus.PENDING).first()
    if code == "serve":
        return (
            case.opinions.filter(status=RecordStatus.APPROVED, served_on__isnull=True).order_by("-id").first()
        )
    if code == "report_decide":
        return case.reports.filter(status=RecordStatus.PENDING).first()
    return None


def case_workflow_records(case: Case) -> dict:
    """The workflow's records for the case page: opinions, extensions, reports, evaluations, reviews."""
    return {
        "opinions": list(case.opinions.select_related("unit", "drafted_by", "decided_by")),
        "extensions": list(case.extensions.select_related("unit", "decided_by")),
        "reports": list(case.reports.select_related("unit", "to_unit")),
        "evaluations": list(case.evaluations.select_related("unit")),
        "reviews": list(case.review_requests.select_related("review_unit", "from_unit")),
        "services": list(case.services.select_related("opinion")),
        "split_parts": list(case.split_parts.only("number", "title")),
        "evaluation_state": evaluation_state(case),
    }


def evaluation_state(case: Case) -> dict | None:
    """Which evaluations are missing after service, and whether the window lapsed (超期未评价, domain.md §9)."""
    from xinfang.cases.choices import EvaluationTarget
    from xinfang.cases.steps import evaluation_window_end

    window_end = evaluation_window_end(case)
    if window_end is None:
        return None
    done = set(case.evaluations.values_list("target", flat=True))
    missing = [label for value, label in EvaluationTarget.choices if value not in done]
    lapsed = timezone.localdate() > window_end
    return {"missing": missing, "window_end": window_end, "lapsed": lapsed} if missing else None


DECIDING_ROLES = frozenset({Role.UNIT_HEAD, Role.DISPATCHER, Role.SUPERVISOR})


def decisions_for(*, user, unit: Unit, limit: int = 20) -> list[Case]:
    """The workbench's 待审批 list: only heads, dispatchers and supervisors of the unit decide."""
    from xinfang.orgs.access import roles_in

    if not roles_in(user, unit) & DECIDING_ROLES:
        return []
    return list(awaiting_decision(unit=unit)[:limit])


def awaiting_decision(*, unit: Unit) -> QuerySet[Case]:
    """The unit's cases waiting for a head's or the bureau's decision: extensions, opinions, 办结报告.

    Starts from the (small) pending-record tables by unit, never from the unit's open cases.
    """
    from xinfang.cases.choices import RecordStatus
    from xinfang.cases.models import CompletionReport, Extension, Opinion

    pending = RecordStatus.PENDING
    return (
        Case.objects.filter(
            Q(pk__in=Extension.objects.filter(unit=unit, status=pending).values("case_id"))
            | Q(pk__in=Opinion.objects.filter(unit=unit, status=pending).values("case_id"))
            | Q(pk__in=CompletionReport.objects.filter(to_unit=unit, status=pending).values("case_id")),
            owner_unit=unit,
            is_open=True,
        )
        .select_related(*LIST_RELATED)
        .order_by("due_on", "id")
    )
