"""The deadline scan (issue 5 §1) with time travel across weekends and the 2025 holidays.

2025 国庆: 10月1日–8日 off, 9月28日 (Sunday) and 10月11日 (Saturday) are 调休 working days.
Defaults: a reminder 3 working days before, the heads after 2 working days overdue, the 信访部门 above
after 5.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xinfang.cases.choices import EventKind
from xinfang.cases.models import CaseDeadline, CaseEvent
from xinfang.cases.services import deadline_move
from xinfang.deadlines.models import DayType, HolidayDay, Step
from xinfang.messaging.choices import SmsStatus
from xinfang.messaging.models import Notification, OutboundSms, SmsOptOut
from xinfang.orgs.models import Membership, Role, User
from xinfang.supervision.reminders import _candidates, deadline_scan, scan_window

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOWN_PHONE = "13800000001"
D = datetime.date


def at(day: datetime.date, hour: int = 9):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI), tick=False
    )


def scan(day: datetime.date, hour: int = 9, **kwargs):
    with at(day, hour):
        return deadline_scan(**kwargs)


@pytest.fixture
def staff(org):
    """The township's phone, and a 督办员 (supervisor) and the registrar at the county bureau."""
    org.town.contact_phone = "138-0000-0001"
    org.town.save()
    org.supervisor = User.objects.create_user(username="supervisor", full_name="督办员")
    Membership.objects.create(user=org.supervisor, unit=org.county, role=Role.objects.get(code="supervisor"))
    return org


@pytest.fixture
def clock(register, staff):
    """An open 办理 clock of the township, due on `due_on` (the case's own clocks are closed)."""

    def make(due_on: datetime.date, unit=None, **extra) -> CaseDeadline:
        case = register()
        case.deadlines.update(is_open=False)
        fields = {
            "step": Step.HANDLE,
            "starts_on": due_on - datetime.timedelta(days=60),
            "days": 60,
            "day_type": DayType.CALENDAR,
            "basis": "《信访工作条例》第三十四条",
        }
        return CaseDeadline.objects.create(
            case=case, unit=unit or staff.town, due_on=due_on, **(fields | extra)
        )

    return make


def told(deadline, kind: str) -> set[str]:
    """Usernames that got a notice of `kind` about the clock's case."""
    rows = Notification.objects.filter(case=deadline.case, kind=kind)
    return set(rows.values_list("user__username", flat=True))


def texts(deadline) -> list[tuple[str, str]]:
    rows = OutboundSms.objects.filter(case=deadline.case, template__startswith="deadline_").order_by("id")
    return list(rows.values_list("template", "phone"))


def overdue_events(deadline) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=deadline.case, kind=EventKind.OVERDUE).order_by("id"))


def test_it_counts_working_days_into_ranges_of_due_dates(db):
    with at(D(2025, 10, 9)):
        window, _calendar = scan_window(D(2025, 10, 9))
    assert window.remind_until == D(2025, 10, 13)  # 10日 (Fri), 11日 (调休 Saturday), 13日 (Mon)
    # Due on 9月29日, the 2nd working day after is 10月9日 (国庆 skipped): today, not yet passed.
    assert window.head_cutoff == D(2025, 9, 28)
    assert window.bureau_cutoff == D(2025, 9, 24)  # 25日, 26日, 28日 (调休), 29日, 30日


def test_a_clock_due_on_a_monday_is_reminded_on_the_wednesday_before(clock, staff):
    deadline = clock(D(2025, 6, 16))  # a Monday after a plain weekend
    assert scan(D(2025, 6, 10)).reminded == 0  # Tuesday: 4 working days before
    result = scan(D(2025, 6, 11))  # Wednesday: Thu, Fri, Mon
    assert result.reminded == 1 and result.overdue == 0
    assert told(deadline, "deadline_reminder") == {"town_handler"}  # handler/registrar roles, not the head
    assert texts(deadline) == [("deadline_reminder", TOWN_PHONE)]
    deadline.refresh_from_db()
    assert deadline.reminded_at is not None and deadline.overdue_noted_at is None
    assert overdue_events(deadline) == []  # a reminder is no timeline entry


def test_the_reminder_text_is_for_the_unit_and_names_no_petitioner(clock, staff):
    deadline = clock(D(2025, 6, 16))
    scan(D(2025, 6, 11))
    sms = OutboundSms.objects.get(case=deadline.case, template="deadline_reminder")
    assert sms.text == (
        f"【信访】期限提醒：信访件{deadline.case.number}的办理期限将于2025年6月16日期满，请贵单位按期办理。"
    )
    assert "张三" not in sms.text and "13912345678" not in sms.text and deadline.case.title not in sms.text
    notice = Notification.objects.get(case=deadline.case)
    assert notice.title == f"期限提醒：{deadline.case.number}"
    assert "还有3个工作日" in notice.body and notice.link == f"/cases/{deadline.case.number}/"


def test_overdue_the_moment_the_due_date_has_passed(clock, staff):
    deadline = clock(D(2025, 6, 16))
    assert scan(D(2025, 6, 16), hour=23).overdue == 0  # the due date itself still counts
    result = scan(D(2025, 6, 17), hour=0)
    assert result.overdue == 1 and result.escalated_head == 0
    [event] = overdue_events(deadline)
    assert event.reason == "期满日2025年6月16日已过，尚未办结。" and event.unit == staff.town
    assert event.data == {"step": "handle", "due_on": "2025-06-16", "stages": ["overdue"]}
    assert told(deadline, "deadline_overdue") == {"town_handler"}
    assert [t for t, _p in texts(deadline)] == ["deadline_reminder", "deadline_overdue"]


def test_the_heads_then_the_bureau_above_are_told_on_the_right_working_days(clock, staff):
    deadline = clock(D(2025, 6, 16))
    for day in (D(2025, 6, 11), D(2025, 6, 17)):
        scan(day)
    assert scan(D(2025, 6, 18)).escalated_head == 0  # Wed: the 2nd working day after is still running
    assert scan(D(2025, 6, 19)).escalated_head == 1  # Thu
    assert told(deadline, "deadline_escalated") == {"town_head"}
    assert scan(D(2025, 6, 23)).escalated_bureau == 0  # Mon: the 5th working day
    assert scan(D(2025, 6, 24)).escalated_bureau == 1  # Tue
    bureau = {"dispatcher", "supervisor", "leader_only"}  # the county bureau's, not its registrar or head
    assert told(deadline, "deadline_escalated") == {"town_head"} | bureau
    assert [t for t, _p in texts(deadline)] == [
        "deadline_reminder",
        "deadline_overdue",
        "deadline_escalated",
        "deadline_escalated",
    ]
    last = OutboundSms.objects.filter(case=deadline.case).latest("id").text
    assert "超期8日仍未办结，已告知示范县信访局" in last
    assert [e.data["stages"] for e in overdue_events(deadline)] == [["overdue"], ["head"], ["bureau"]]
    assert overdue_events(deadline)[-1].reason == "超期满5个工作日，已告知示范县信访局。"


def test_a_clock_due_after_national_day_is_reminded_on_the_makeup_sunday(clock, staff):
    deadline = clock(D(2025, 10, 9))  # the first working day after 国庆
    assert scan(D(2025, 9, 27)).reminded == 0  # Saturday: 28日 (调休), 29日, 30日 come first
    assert scan(D(2025, 9, 28)).reminded == 1  # the 调休 Sunday: 29日, 30日, then 10月9日
    assert scan(D(2025, 10, 9), hour=22).overdue == 0
    assert scan(D(2025, 10, 10)).overdue == 1
    assert scan(D(2025, 10, 11)).escalated_head == 0  # the 调休 Saturday is the 2nd working day
    assert scan(D(2025, 10, 12)).escalated_head == 1  # … and has passed by Sunday
    assert scan(D(2025, 10, 15)).escalated_bureau == 0  # 10日, 11日, 13日, 14日, 15日
    assert scan(D(2025, 10, 16)).escalated_bureau == 1
    assert texts(deadline)[0] == ("deadline_reminder", TOWN_PHONE)


def test_a_clock_due_inside_the_holiday_is_reminded_before_it(clock, staff):
    deadline = clock(D(2025, 10, 3))  # a calendar-day limit may end on a holiday
    assert scan(D(2025, 9, 26)).reminded == 0
    assert scan(D(2025, 9, 28)).reminded == 1  # 29日, 30日, then nothing until 10月9日 ≥ 3日
    assert scan(D(2025, 10, 4)).overdue == 1
    assert told(deadline, "deadline_overdue") == {"town_handler"}


def test_a_holiday_entered_later_moves_the_reminder(clock, staff):
    deadline = clock(D(2025, 6, 16))
    assert scan(D(2025, 6, 10)).reminded == 0  # Wed, Thu, Fri come first
    HolidayDay.objects.create(date=D(2025, 6, 13), is_workday=False, name="假设")
    assert scan(D(2025, 6, 9)).reminded == 0
    assert scan(D(2025, 6, 10)).reminded == 1  # Wed, Thu, (Fri off), Mon
    assert told(deadline, "deadline_reminder") == {"town_handler"}


def test_running_the_scan_twice_sends_nothing_twice(clock, staff):
    clocks = [clock(D(2025, 6, 16)), clock(D(2025, 6, 5)), clock(D(2025, 5, 20))]
    first = scan(D(2025, 6, 11))
    counts = (Notification.objects.count(), OutboundSms.objects.count(), CaseEvent.objects.count())
    second = scan(D(2025, 6, 11))
    assert (first.reminded, first.overdue, first.escalated_head, first.escalated_bureau) == (1, 2, 2, 1)
    assert second.as_dict() == dict.fromkeys(second.as_dict(), 0)
    assert (Notification.objects.count(), OutboundSms.objects.count(), CaseEvent.objects.count()) == counts
    assert [len(texts(c)) for c in clocks] == [1, 1, 1]


def test_a_first_scan_of_a_long_overdue_clock_tells_everyone_once(clock, staff):
    deadline = clock(D(2025, 5, 20))
    result = scan(D(2025, 6, 11))
    assert (result.reminded, result.overdue, result.escalated_head, result.escalated_bureau) == (0, 1, 1, 1)
    assert told(deadline, "deadline_overdue") == {"town_handler"}
    assert told(deadline, "deadline_escalated") == {"town_head", "dispatcher", "supervisor", "leader_only"}
    assert Notification.objects.filter(case=deadline.case).count() == 5
    [sms] = OutboundSms.objects.filter(case=deadline.case, template__startswith="deadline_")
    assert sms.template == "deadline_escalated" and "已告知示范县信访局" in sms.text
    [event] = overdue_events(deadline)
    assert event.data["stages"] == ["overdue", "head", "bureau"]
    assert event.reason == (
        "期满日2025年5月20日已过，尚未办结；超期满2个工作日，已告知单位负责人；超期满5个工作日，已告知示范县信访局。"
    )


def test_one_person_in_two_audiences_gets_the_more_serious_notice_only(clock, staff):
    Membership.objects.create(user=staff.town_head, unit=staff.town, role=Role.objects.get(code="handler"))
    deadline = clock(D(2025, 5, 20))
    scan(D(2025, 6, 11))
    assert list(
        Notification.objects.filter(case=deadline.case, user=staff.town_head).values_list("kind")
    ) == [("deadline_escalated",)]


def test_a_bureau_clock_goes_up_to_the_city(clock, staff):
    deadline = clock(D(2025, 5, 20), unit=staff.county, step=Step.DISPOSE)
    scan(D(2025, 6, 11))
    assert told(deadline, "deadline_overdue") == {"dispatcher", "registrar"}
    assert told(deadline, "deadline_escalated") == {"county_head", "city_dispatcher", "city_leader"}
    assert texts(deadline) == []  # the county bureau has no contact phone


def test_the_top_bureau_has_nobody_above(clock, staff):
    staff.city.contact_phone = "13800000009"
    staff.city.save()
    deadline = clock(D(2025, 5, 20), unit=staff.city, step=Step.DISPOSE)
    result = scan(D(2025, 6, 11))
    assert result.escalated_bureau == 1  # marked, so it is not looked at again
    assert told(deadline, "deadline_escalated") == {"city_head"}
    [sms] = OutboundSms.objects.filter(case=deadline.case, template__startswith="deadline_")
    assert "已告知贵单位负责人" in sms.text
    assert overdue_events(deadline)[0].reason.endswith("已告知单位负责人。")


def test_closed_and_paused_clocks_are_left_alone(clock, staff):
    closed = clock(D(2025, 6, 12), is_open=False)
    paused = clock(D(2025, 6, 5), paused_on=D(2025, 6, 1))  # 听证 time does not count (§36 ¶2)
    assert scan(D(2025, 6, 11)).candidates == 0
    assert texts(closed) == texts(paused) == []


def test_a_landline_gets_no_sms_and_an_opted_out_phone_a_skipped_row(clock, staff):
    staff.police.contact_phone = "0571-87654321"
    staff.police.save()
    by_landline = clock(D(2025, 6, 16), unit=staff.police)
    SmsOptOut.objects.create(phone=TOWN_PHONE)
    by_mobile = clock(D(2025, 6, 16))
    assert scan(D(2025, 6, 11)).reminded == 2
    assert texts(by_landline) == [] and told(by_landline, "deadline_reminder") == {"police_handler"}
    assert (
        OutboundSms.objects.get(case=by_mobile.case, template="deadline_reminder").status == SmsStatus.SKIPPED
    )


def test_the_settings_move_the_days_and_switch_off_reminders_and_sms(clock, staff, settings):
    settings.REMINDER_WORKING_DAYS = 0
    settings.ESCALATE_HEAD_WORKING_DAYS = 0
    settings.REMINDER_SMS = False
    deadline = clock(D(2025, 6, 16))
    assert scan(D(2025, 6, 11)).candidates == 0
    result = scan(D(2025, 6, 17))
    assert (result.overdue, result.escalated_head, result.escalated_bureau) == (1, 1, 0)
    assert texts(deadline) == []


def test_moving_the_due_date_starts_a_new_chain(clock, staff):
    deadline = clock(D(2025, 6, 16))
    scan(D(2025, 6, 11))
    scan(D(2025, 6, 17))
    with at(D(2025, 6, 17)):
        deadline_move(case=deadline.case, step=Step.HANDLE, days=30, why="延期")  # 延期 (§34)
    deadline.refresh_from_db()
    assert deadline.due_on == D(2025, 7, 16)
    assert (deadline.reminded_at, deadline.overdue_noted_at) == (None, None)
    assert scan(D(2025, 7, 11)).reminded == 1  # Fri: Mon 14日, Tue 15日, Wed 16日
    assert len(told(deadline, "deadline_reminder")) == 1
    assert Notification.objects.filter(case=deadline.case, kind="deadline_reminder").count() == 2


def test_the_overdue_only_entry_point_still_flags_once(clock, staff):
    from xinfang.cases.services import deadlines_note_overdue

    deadline = clock(D(2025, 5, 20))
    assert deadlines_note_overdue(today=D(2025, 6, 11)) == 1
    assert deadlines_note_overdue(today=D(2025, 6, 11)) == 0
    deadline.refresh_from_db()
    assert deadline.overdue_noted_at is not None and deadline.escalated_head_at is None


def test_the_queries_do_not_grow_with_the_clocks(clock, staff, django_assert_max_num_queries):
    for offset in range(3):
        clock(D(2025, 6, 16) - datetime.timedelta(days=offset * 9))
    with at(D(2025, 6, 11)):
        with django_assert_max_num_queries(20) as few:
            deadline_scan()
    for offset in range(30):
        clock(D(2025, 6, 16) - datetime.timedelta(days=offset * 3))
    with at(D(2025, 7, 11)):
        with django_assert_max_num_queries(len(few.captured_queries)):
            result = deadline_scan()
    assert result.candidates >= 30


def test_each_stage_reads_its_own_partial_index(db):
    with at(D(2025, 6, 11)):
        window, _calendar = scan_window(D(2025, 6, 11))
    plans = []
    with CaptureQueriesContext(connection) as ctx:
        _candidates(window, ("remind", "overdue", "head", "bureau"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table would be read whole
        for query in ctx.captured_queries:
            prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
            cursor.execute(prefix + query["sql"])
            plans.append(" ".join(str(cell) for row in cursor.fetchall() for cell in row))
    indexes = ("deadline_remind_todo", "deadline_overdue_todo", "deadline_head_todo", "deadline_bureau_todo")
    for plan, index in zip(plans, indexes, strict=True):
        assert index in plan, plan


def test_the_worker_runs_the_scan_on_its_schedule(clock, staff, run_worker):
    from django_tasks_db.models import DBTaskResult

    deadline = clock(D(2025, 6, 16))
    with at(D(2025, 6, 17)):
        run_worker()
        run_worker()  # not due again yet
    runs = DBTaskResult.objects.filter(task_path="xinfang.supervision.reminders.scan_deadlines")
    assert runs.count() == 1 and runs.get().status == "SUCCESSFUL"
    assert runs.get().return_value["overdue"] == 1
    assert len(overdue_events(deadline)) == 1


def test_overdue_entries_tell_the_petitioner_nothing():
    """The scan appends its 超期 entries without `event_record`'s notice hook: that must stay a no-op."""
    from xinfang.messaging.notify import _wants_notice

    assert not _wants_notice(CaseEvent(kind=EventKind.OVERDUE, data={"stages": ["overdue"]}))
