"""manage.py load_demo: the demo county loads once, stays the same on a second run, and is plausible."""

import datetime
from collections import Counter
from io import StringIO

import phonenumbers
import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from xinfang.cases.choices import CLOSED_STATUSES, CaseStatus, EventKind, OpinionStage, RecordStatus
from xinfang.cases.models import (
    Case,
    CaseDeadline,
    CaseEvent,
    CompletionReport,
    Dispatch,
    Evaluation,
    Extension,
    Opinion,
    Petitioner,
    ReviewRequest,
)
from xinfang.cases.steps import STEP_SERVICES
from xinfang.common import demo_data
from xinfang.common.demo import STATUS_COUNTS, demo_accounts, plan_cases, resident_id
from xinfang.deadlines.models import RuleSet, Step
from xinfang.documents.models import CaseDocument
from xinfang.orgs.models import Membership, Region, Role, Unit, UnitLevel, User

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
GB11643_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]


def gb11643_ok(number: str) -> bool:
    """The check character of GB 11643-1999, computed here independently of the project's validator."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    remainder = sum(int(d) * w for d, w in zip(number[:17], GB11643_WEIGHTS, strict=True)) % 11
    return "10X98765432"[remainder] == number[17]


def load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    return {
        "regions": Region.objects.filter(code__startswith="99").count(),
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "cases": Case.objects.count(),
        "petitioners": Petitioner.objects.count(),
        "events": CaseEvent.objects.count(),
        "deadlines": CaseDeadline.objects.count(),
        "dispatches": Dispatch.objects.count(),
        "documents": CaseDocument.objects.count(),
        "evaluations": Evaluation.objects.count(),
    }


def is_head_of(user: User, unit: Unit) -> bool:
    return Membership.objects.filter(user=user, unit=unit, role_id=Role.UNIT_HEAD).exists()


@pytest.mark.django_db
def test_it_leaves_a_database_with_real_cases_alone(register):
    # First in the module: the `demo` fixture below keeps the demo loaded until the module ends,
    # and `register`'s unit tree would clash with it.
    register()  # a real case: this might be a production database
    units, users = Unit.objects.count(), User.objects.count()

    output = load()

    assert "未载入演示数据" in output and "--force" in output
    assert (Unit.objects.count(), User.objects.count()) == (units, users)
    assert not Case.objects.filter(submission_key__startswith=demo_data.DEMO_KEY_PREFIX).exists()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load the demo twice (with a changed password in between) once for this module, then roll back.

    Each test still runs in its own savepoint (django_db), so nothing a test does leaks into the next.
    Passwords are checked here, under the hasher they were made with (the tests get a faster one).
    The papers' .docx files go to a temporary MEDIA_ROOT; no worker runs (and none is needed).
    """
    media = tmp_path_factory.mktemp("demo-media")
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=str(media)),
    ):
        first = load()
        before = snapshot()
        changed = User.objects.get(username="xfj_dengji")
        changed.set_password("something-else-2026")
        changed.save()
        second = load()
        password_ok = {
            user.username: user.check_password(demo_data.DEMO_PASSWORD)
            for user in User.objects.filter(username__in=[a.username for a in demo_accounts()])
        }
        yield {
            "first": first,
            "second": second,
            "before": before,
            "after": snapshot(),
            "password_ok": password_ok,
            "media": media,
        }
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_it_loads_the_demo_county_once_and_prints_the_accounts(demo):
    assert demo["after"] == demo["before"]
    assert "新建信访件 200 件" in demo["first"] and "制发文书" in demo["first"]
    assert "未重复创建" in demo["second"]
    # the printed password works for everyone, also for the account whose password was changed in between
    assert demo["password_ok"] == {account.username: True for account in demo_accounts()}
    for output in (demo["first"], demo["second"]):
        assert demo_data.DEMO_PASSWORD in output
        for account in demo_accounts():
            assert account.username in output and account.full_name in output


@pytest.mark.django_db
def test_it_builds_the_unit_tree_and_the_accounts(demo):
    county = Unit.objects.get(name=demo_data.COUNTY_BUREAU)
    assert county.parent.name == demo_data.CITY_BUREAU
    assert Unit.objects.filter(parent=county, level=UnitLevel.TOWNSHIP).count() == 18
    assert Unit.objects.filter(parent=county, level=UnitLevel.DEPARTMENT).count() == 15
    assert Region.objects.filter(parent_id=demo_data.COUNTY[0], code__regex=r"^990121\d{3}$").count() == 18
    if RuleSet.objects.filter(code=demo_data.COUNTY_RULE_SET).exists():
        assert county.rule_set.code == demo_data.COUNTY_RULE_SET
        assert not Case.objects.filter(registering_unit=county).exclude(rule_set=county.rule_set).exists()
    demo_users = User.objects.filter(username__in=[a.username for a in demo_accounts()])
    assert demo_users.count() == len(demo_accounts())
    held = set(Membership.objects.filter(user__in=demo_users).values_list("role_id", flat=True))
    assert held == {r.code for r in Role.objects.all()}
    assert User.objects.get(username="admin").is_superuser
    assert set(
        Membership.objects.filter(user__username="chengguan_xfy").values_list("role_id", flat=True)
    ) == {
        Role.REGISTRAR,
        Role.HANDLER,
    }
    keys = list(Case.objects.values_list("submission_key", flat=True))
    assert len(keys) == demo_data.DEMO_CASE_COUNT == len(set(keys))
    assert all(key.startswith(demo_data.DEMO_KEY_PREFIX) for key in keys)


@pytest.mark.django_db
def test_the_cases_are_plausible(demo):
    today = timezone.localdate()
    cases = Case.objects.all()
    statuses = set(cases.values_list("status", flat=True))

    # a mix for every list: awaiting disposition, at the units, being handled, done, informed …
    for status in (CaseStatus.REGISTERED, CaseStatus.PENDING_SIGN, CaseStatus.SIGNED, CaseStatus.HANDLING):
        assert cases.filter(status=status).count() >= 20, status
    assert statuses & {CaseStatus.SERVED, CaseStatus.CLOSED}
    assert statuses & {CaseStatus.INFORMED, CaseStatus.NOT_ACCEPTED, CaseStatus.ARCHIVED}
    assert cases.filter(status__in=CLOSED_STATUSES, is_open=True).count() == 0
    # red and amber on the workbench
    open_cases = cases.filter(is_open=True)
    assert open_cases.filter(due_on__lt=today).count() >= 10
    assert open_cases.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=5)).count() >= 10
    # spread over about three months, through several channels, with the special kinds present
    assert cases.filter(received_on__lt=today - datetime.timedelta(days=60)).exists()
    assert cases.filter(received_on__gt=today).count() == 0
    assert cases.values("channel").distinct().count() >= 5
    assert cases.filter(is_collective=True, headcount__gte=5).exists()
    assert cases.filter(is_anonymous=True, purpose_id="accusation").exists()
    assert Petitioner.objects.filter(case__is_anonymous=True).count() == 0
    assert all(c.petitioners.count() <= 5 for c in cases.filter(is_collective=True))
    repeats = cases.filter(is_repeat=True).select_related("repeat_of")
    assert repeats.count() >= 10
    for case in repeats:
        assert case.repeat_of.registered_at < case.registered_at
        assert case.petitioners.first().id_number == case.repeat_of.petitioners.first().id_number
    closed = cases.filter(status=CaseStatus.CLOSED).first()
    assert closed.closed_at < timezone.now() - datetime.timedelta(days=1)  # the history is backdated
    # petitioners: valid GB 11643 numbers whose birth date and sex digit make sense, valid mobiles
    people = Petitioner.objects.all()

    assert people.count() >= 150
    for person in people:
        assert gb11643_ok(person.id_number), person.id_number
        birth = datetime.date(
            int(person.id_number[6:10]), int(person.id_number[10:12]), int(person.id_number[12:14])
        )
        assert datetime.date(1900, 1, 1) < birth < datetime.date.today()  # noqa: DTZ011
        assert (int(person.id_number[16]) % 2 == 1) == (person.gender == "M")
        assert phonenumbers.is_valid_number(phonenumbers.parse(person.phone, "CN")), person.phone


@pytest.mark.django_db
def test_every_step_went_through_the_workflow(demo):
    cases = Case.objects.all()
    expected = dict(STATUS_COUNTS)
    expected[CaseStatus.HANDLING] += 1  # the matter split off the 一信多事 letter is being handled
    assert dict(Counter(cases.values_list("status", flat=True))) == {k: v for k, v in expected.items() if v}
    # every change of status and every step is an event naming the workflow action that made it
    steps = CaseEvent.objects.filter(kind__in=[EventKind.TRANSITION, EventKind.ACTION])
    actions = Counter(steps.values_list("data__action", flat=True))
    assert set(actions) <= set(STEP_SERVICES)
    for action in ("transfer", "assign", "sign", "object", "accept", "split", "extension_request"):
        assert actions[action] >= 1, action
    for action in ("extension_decide", "opinion_draft", "opinion_decide", "serve", "report_submit"):
        assert actions[action] >= 1, action
    for action in ("report_decide", "evaluate", "recheck_request", "rereview_request", "hearing_start"):
        assert actions[action] >= 1, action
    for action in ("inform", "divert", "not_accept", "no_longer_accept", "archive", "settle"):
        assert actions[action] >= 1, action
    # each step was taken by someone who may take it: a unit head decides, the holder's staff act
    for event in steps.filter(data__action__in=["extension_decide", "opinion_decide"]).select_related(
        "actor"
    ):
        assert is_head_of(event.actor, event.unit), event.pk
    # every case that left the register was moved on by its holder, so clocks are never left behind
    assert not CaseDeadline.objects.filter(is_open=True, case__is_open=False).exists()
    assert not cases.filter(is_open=True, due_on__isnull=True, status__in=["registered", "handling"]).exists()


@pytest.mark.django_db
def test_dispatches_come_down_from_the_city_and_the_county(demo):
    county = Unit.objects.get(name=demo_data.COUNTY_BUREAU)
    city = Unit.objects.get(name=demo_data.CITY_BUREAU)
    dispatches = Dispatch.objects.all()
    assert dispatches.filter(from_unit=county, kind="transfer").count() >= 40
    assert dispatches.filter(from_unit=county, kind="assign", due_on__isnull=False).count() >= 20
    assert dispatches.filter(from_unit=city, to_unit=county).count() >= 5
    # a case sent down by the city is signed by the county, then sent on to a township or department
    down = Case.objects.filter(dispatches__from_unit=city, dispatches__to_unit=county).exclude(
        status=CaseStatus.PENDING_SIGN
    )
    assert down.exists()
    for case in down:
        assert case.dispatches.filter(from_unit=county).exists()
    # one unit objected (退回) in time, and the county re-routed the case elsewhere
    returned = dispatches.get(returned_at__isnull=False)
    assert (
        returned.return_reason
        and returned.returned_at.date() <= returned.created_at.date() + datetime.timedelta(days=7)
    )
    rerouted = returned.case.dispatches.filter(id__gt=returned.id).get()
    assert rerouted.from_unit == county and rerouted.to_unit != returned.to_unit
    assert returned.case.events.filter(to_status=CaseStatus.RETURNED).exists()
    # every slip is on paper: one 转送单/交办单 per dispatch
    for kind, paper in (("transfer", "transfer_slip"), ("assign", "assign_slip")):
        assert CaseDocument.objects.filter(kind=paper).count() == dispatches.filter(kind=kind).count()


@pytest.mark.django_db
def test_papers_are_issued_along_the_way_without_rendering_pdfs(demo):
    accepted = Case.objects.filter(accepted_on__isnull=False)
    assert accepted.count() >= 60
    for case in accepted:
        notice = case.documents.get(kind="accept_notice")  # 受理告知书
        accepted_by = case.events.get(data__action="accept").unit
        assert notice.unit == accepted_by and notice.number.startswith(accepted_by.short_name)
    # opinions signed off by a head are numbered papers; each served one has its 送达回证
    approved = Opinion.objects.filter(status=RecordStatus.APPROVED).select_related(
        "case", "decided_by", "unit"
    )
    assert approved.filter(stage=OpinionStage.HANDLE).count() >= 20
    for opinion in approved:
        assert is_head_of(opinion.decided_by, opinion.unit)
        assert opinion.case.documents.filter(
            kind__in=["opinion", "recheck_opinion", "rereview_opinion"]
        ).exists()
    served = approved.filter(served_on__isnull=False)
    assert CaseDocument.objects.filter(kind="service_receipt").count() == served.count() >= 20
    # numbers run per unit, kind and year without gaps
    for unit_id, kind, year in CaseDocument.objects.values_list("unit", "kind", "year").distinct():
        serials = sorted(
            CaseDocument.objects.filter(unit=unit_id, kind=kind, year=year).values_list("serial", flat=True)
        )
        assert serials == list(range(1, len(serials) + 1))
    # the .docx is stored with each paper; no PDF was rendered during the load (a worker does that later)
    papers = CaseDocument.objects.all()
    assert papers.count() >= 250
    assert not papers.exclude(pdf="").exists()
    sample = papers.order_by("?")[:5]
    for paper in sample:
        assert (demo["media"] / paper.docx.name).is_file()
    # signers and servers are printed by name
    opinion = CaseDocument.objects.filter(kind="opinion").first()
    signer = Opinion.objects.filter(case=opinion.case, stage=OpinionStage.HANDLE).first().decided_by
    assert opinion.snapshot["extra"]["approved_by"] == signer.full_name


@pytest.mark.django_db
def test_extensions_reports_and_evaluations(demo):
    approved = Extension.objects.filter(status=RecordStatus.APPROVED).select_related(
        "decided_by", "unit", "case"
    )
    assert approved.count() >= 3
    for extension in approved:
        assert is_head_of(extension.decided_by, extension.unit)
        assert extension.new_due_on == extension.old_due_on + datetime.timedelta(days=extension.days)
        assert extension.case.documents.filter(kind="extension_notice").exists()  # 延期告知书
    assert Extension.objects.filter(status=RecordStatus.PENDING).exists()  # on a head's to-do list
    assert Extension.objects.filter(status=RecordStatus.REFUSED).exists()
    assert Opinion.objects.filter(status=RecordStatus.PENDING).exists()  # a draft awaiting sign-off
    # 交办 cases report back to the county, which approves the 办结报告 before the case is closed
    county = Unit.objects.get(name=demo_data.COUNTY_BUREAU)
    for case in Case.objects.filter(status=CaseStatus.CLOSED, assigning_unit__isnull=False):
        report = case.reports.get()
        assert (report.status, report.to_unit) == (RecordStatus.APPROVED, county)
        assert case.documents.filter(kind="completion_report").exists()
    assert (
        CompletionReport.objects.filter(status=RecordStatus.PENDING, case__status=CaseStatus.REPORTED).count()
        == 2
    )
    assert Case.objects.filter(
        status=CaseStatus.CLOSED, assigning_unit__isnull=True
    ).exists()  # 转送: closed at service
    # evaluations taken by phone within the window, in all three grades
    evaluations = Evaluation.objects.select_related("case")
    assert evaluations.count() >= 16
    assert set(evaluations.values_list("level", flat=True)) == {"satisfied", "fairly", "unsatisfied"}
    assert set(evaluations.values_list("source", flat=True)) == {"phone"}
    callers = set(evaluations.values_list("recorded_by", flat=True))  # 回访 by the county's 督办员
    assert callers == set(
        Membership.objects.filter(unit=county, role_id=Role.SUPERVISOR).values_list("user", flat=True)
    )
    assert set(evaluations.values_list("target", flat=True)) == {"handler", "bureau"}
    for evaluation in evaluations:
        served = evaluation.case.opinions.get(stage=OpinionStage.HANDLE).served_on
        assert served <= timezone.localdate(evaluation.recorded_at) <= served + datetime.timedelta(days=30)


@pytest.mark.django_db
def test_recheck_rereview_and_the_end_of_the_road(demo):
    city = Unit.objects.get(name=demo_data.CITY_BUREAU)
    assert ReviewRequest.objects.filter(stage=OpinionStage.RECHECK, review_unit=city).count() >= 3
    assert Case.objects.filter(status=CaseStatus.RECHECK, owner_unit=city, is_open=True).exists()
    assert Case.objects.filter(status=CaseStatus.RECHECK_SERVED).exists()
    assert Case.objects.filter(status=CaseStatus.REREVIEW, owner_unit=city).exists()
    final = Case.objects.get(status=CaseStatus.FINAL)
    assert [r.stage for r in final.review_requests.order_by("id")] == [
        OpinionStage.RECHECK,
        OpinionStage.REREVIEW,
    ]
    hearing = final.hearings.get()
    assert hearing.ended_on >= hearing.started_on
    assert final.deadlines.get(step=Step.REREVIEW_OPINION).paused_days >= 1
    assert final.documents.filter(kind="rereview_opinion").exists()
    assert not final.is_open
    # the same petitioner came again with the same matter: 不再受理, pointing at the final decision
    again = Case.objects.get(status=CaseStatus.NO_LONGER_ACCEPTED)
    assert again.repeat_of == final
    paper = again.documents.get(kind="no_longer_notice")
    assert paper.snapshot["extra"]["final_case_number"] == final.number
    # 一信多事: the second matter is its own case, with the letter's petitioners and its own number
    part = Case.objects.get(split_from__isnull=False)
    assert part.submission_key == f"{part.split_from.submission_key}-2"
    assert part.received_on == part.split_from.received_on and part.number != part.split_from.number
    assert part.owner_unit != part.split_from.owner_unit
    assert list(part.petitioners.values_list("id_number", flat=True)) == list(
        part.split_from.petitioners.values_list("id_number", flat=True)
    )


@pytest.mark.django_db
def test_the_history_is_backdated_in_order(demo):
    now = timezone.now()
    assert not CaseEvent.objects.filter(created_at__gt=now).exists()
    assert CaseEvent.objects.filter(created_at__lt=now - datetime.timedelta(days=60)).exists()
    for case in Case.objects.prefetch_related("events"):
        moments = [e.created_at for e in sorted(case.events.all(), key=lambda e: e.id)]
        assert moments == sorted(moments), case.submission_key
        assert moments[0] == case.registered_at
    for paper in CaseDocument.objects.all():
        issued = timezone.localdate(paper.created_at)
        assert paper.year == issued.year and paper.snapshot["doc"]["issued_on"] == issued.isoformat()
    # a clock starts on the day of its step, not on the day of the load
    handle = CaseDeadline.objects.filter(step=Step.HANDLE).select_related("case")
    assert all(
        clock.starts_on == clock.case.accepted_on for clock in handle if not clock.explanation.get("fixed")
    )


@pytest.mark.django_db
def test_every_unit_with_cases_has_staff_and_a_head(demo):
    holders = set(Case.objects.values_list("owner_unit", flat=True)) | set(
        Dispatch.objects.values_list("to_unit", flat=True)
    )
    for unit in Unit.objects.filter(pk__in=holders):
        roles = set(Membership.objects.filter(unit=unit).values_list("role_id", flat=True))
        assert Role.UNIT_HEAD in roles, unit.name
        assert roles & {Role.HANDLER, Role.DISPATCHER}, unit.name
    assert is_head_of(User.objects.get(username="shi_fuzeren"), Unit.objects.get(name=demo_data.CITY_BUREAU))
    assert is_head_of(
        User.objects.get(username="xfj_fuzeren"), Unit.objects.get(name=demo_data.COUNTY_BUREAU)
    )


def test_the_plan_is_the_same_every_time():
    today = datetime.date(2026, 3, 2)
    plan = plan_cases(today)
    first = [
        (s.key, s.title, s.status, s.received_on, [p.id_number for p in s.people], s.moves) for s in plan
    ]
    second = [
        (s.key, s.title, s.status, s.received_on, [p.id_number for p in s.people], s.moves)
        for s in plan_cases(today)
    ]

    assert first == second
    assert len(plan) + sum(1 for s in plan if s.split) == demo_data.DEMO_CASE_COUNT
    for spec in plan:
        days = [move.day for move in spec.moves]
        assert days == sorted(days) and days[0] == spec.received_on <= days[-1] <= today
        assert spec.moves[0].code == "register"
        assert {move.code for move in spec.moves} <= {"register", *STEP_SERVICES}


def test_resident_id_has_a_correct_check_character():
    assert resident_id(datetime.date(1980, 2, 29), 123).startswith("99012119800229123")
    assert gb11643_ok(resident_id(datetime.date(1980, 2, 29), 123))
    assert gb11643_ok("11010519491231002X")  # the example in GB 11643-1999
