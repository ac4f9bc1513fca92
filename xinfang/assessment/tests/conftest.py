"""The assessment story, all in 2026-Q1 in the county's subtree (示范县信访局 → 东湖镇, 县公安局),
scored on 2026-04-10. Every number is hand-built; the expected points are worked out in the tests.

东湖镇 (town) registers four cases; the clocks are replaced by hand-made 办理期限 (T5) clocks:
- A  信访日期 01-01, registered 01-20 (19 days later: 登记不及时 at 15 days); T5 due 03-01, met 02-20.
- B  信访日期 01-10, registered 01-12; T5 due 03-05, never met (超期).
- C  registered 02-01, a repeat of B; T5 due 03-10, met 03-12 (超期).
- D  registered 02-02, a repeat of A; T5 due 04-20 (outside the quarter).
A…D have 东湖镇 as 受理单位. 东湖镇 sends one 信访信息 in Q1 (quota 1 a month → 3).
抽查回访 of 东湖镇: 02-15 不满意, 03-01 满意 but 需要跟进, 03-02 满意, 04-02 不满意 (after Q1).
县公安局 (police): its only 承办员 has left (inactive); two supervisions opened in Q1, one in April.
"""

import datetime

import pytest
import time_machine

from xinfang.deadlines.models import Step

CST = datetime.timezone(datetime.timedelta(hours=8))
SCORED_ON = datetime.date(2026, 4, 10)


def at(month: int, day: int):
    return time_machine.travel(datetime.datetime(2026, month, day, 10, 0, tzinfo=CST), tick=False)


def moment(month: int, day: int) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 10, 0, tzinfo=CST)


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def supervisor(org):
    from conftest import PASSWORD
    from xinfang.orgs.models import Membership, Role, User

    user = User.objects.create_user(username="county_supervisor", password=PASSWORD, full_name="督查员")
    Membership.objects.create(user=user, unit=org.county, role=Role.objects.get(code=Role.SUPERVISOR))
    return user


def _clock(case, unit, due: datetime.date, met: datetime.datetime | None):
    from xinfang.cases.models import CaseDeadline

    return CaseDeadline.objects.create(
        case=case,
        step=Step.HANDLE,
        unit=unit,
        starts_on=due - datetime.timedelta(days=60),
        days=60,
        day_type="calendar",
        basis="测试",
        due_on=due,
        is_open=met is None,
        met_at=met,
    )


def _callback(org, case, closed_on, **fields):
    from xinfang.supervision.models import Callback, CallbackDraw

    draw = CallbackDraw.objects.create(
        unit=org.county,
        drawn_by=org.leader_only,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 4, 30),
        mode="count",
        per_unit_count=5,
        seed=1,
    )
    return Callback.objects.create(
        draw=draw, position=1, case=case, unit=org.town, closed_on=closed_on, **fields
    )


def _supervision(org, case, opened: datetime.datetime):
    from xinfang.supervision.models import Supervision

    supervision = Supervision.objects.create(
        case=case,
        unit=org.county,
        target_unit=org.police,
        facts="超期未办结",
        requested_action="请尽快办结",
        opened_by=org.leader_only,
        starts_on=opened.date(),
        due_on=opened.date() + datetime.timedelta(days=30),
    )
    Supervision.objects.filter(pk=supervision.pk).update(opened_at=opened)
    return supervision


@pytest.fixture
def story(org, register):
    from xinfang.cases.models import Case, CaseDeadline
    from xinfang.reporting.submissions import submission_create, submission_submit

    town = {"unit": org.town, "actor": org.town_handler}
    s = {}
    with at(1, 20):
        s["A"] = register(received_on=datetime.date(2026, 1, 1), **town)
    with at(1, 12):
        s["B"] = register(received_on=datetime.date(2026, 1, 10), **town)
    with at(2, 1):
        s["C"] = register(received_on=datetime.date(2026, 2, 1), repeat_of=s["B"], **town)
    with at(2, 2):
        s["D"] = register(received_on=datetime.date(2026, 2, 2), repeat_of=s["A"], **town)
    ids = [case.pk for case in s.values()]
    Case.objects.filter(pk__in=ids).update(handling_unit=org.town)
    CaseDeadline.objects.filter(case_id__in=ids).delete()
    _clock(s["A"], org.town, datetime.date(2026, 3, 1), moment(2, 20))
    _clock(s["B"], org.town, datetime.date(2026, 3, 5), None)
    _clock(s["C"], org.town, datetime.date(2026, 3, 10), moment(3, 12))
    _clock(s["D"], org.town, datetime.date(2026, 4, 20), None)
    with at(2, 10):
        item = submission_create(
            actor=org.town_handler,
            unit=org.town,
            kind="dynamic",
            title="东湖镇一季度矛盾纠纷排查情况",
            body="本季度共排查矛盾纠纷12件，已化解10件。",
            period="2026-Q1",
        )
        submission_submit(submission=item, actor=org.town_handler)
    _callback(org, s["A"], datetime.date(2026, 2, 15), status="done", satisfaction="unsatisfied")
    _callback(
        org, s["B"], datetime.date(2026, 3, 1), status="done", satisfaction="satisfied", follow_up_needed=True
    )
    _callback(org, s["C"], datetime.date(2026, 3, 2), status="done", satisfaction="satisfied")
    _callback(org, s["D"], datetime.date(2026, 4, 2), status="done", satisfaction="unsatisfied")
    _supervision(org, s["A"], moment(1, 25))
    _supervision(org, s["B"], moment(3, 20))
    _supervision(org, s["C"], moment(4, 5))
    org.police_handler.is_active = False
    org.police_handler.save()
    return s


@pytest.fixture
def q1_rules(org, supervisor):
    from xinfang.assessment.services import rule_set_create
    from xinfang.reporting.periods import parse_period

    return rule_set_create(bureau=org.county, period=parse_period("2026-Q1"), acting_user=supervisor)
