"""In-app notices to the 信访局's supervisors: a high-risk item registered, an item overdue — each sent
once, however often (or on however many workers) the periodic job runs."""

import datetime

import time_machine

from xinfang.common.periodic import periodic_jobs
from xinfang.disputes.choices import RiskLevel
from xinfang.disputes.models import Dispute
from xinfang.disputes.notify import KIND_HIGH_RISK, KIND_OVERDUE, KIND_REPORTED, disputes_notify_scan
from xinfang.disputes.services import dispute_report, dispute_resolve, dispute_update
from xinfang.disputes.tests.conftest import dispute_input, parties
from xinfang.messaging.models import Notification

NOV_2 = datetime.datetime(2026, 11, 2, 2, tzinfo=datetime.UTC)


def notices(kind) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", "link"))


def test_registering_a_high_risk_item_tells_the_county_supervisors_once(tree, make_dispute):
    high = make_dispute(risk_level=RiskLevel.HIGH)
    make_dispute(risk_level=RiskLevel.MEDIUM)
    link = f"/disputes/{high.number}/"
    assert notices(KIND_HIGH_RISK) == [("county_supervisor", link), ("county_supervisor2", link)]
    assert disputes_notify_scan() == {"high_risk": 0, "overdue": 0}
    assert disputes_notify_scan() == {"high_risk": 0, "overdue": 0}
    assert len(notices(KIND_HIGH_RISK)) == 2
    assert not Notification.objects.filter(user__username="city_supervisor").exists()  # the nearest 信访局


def test_raising_the_risk_to_high_tells_them_once(tree, make_dispute):
    item = make_dispute()
    data = dispute_input(tree, risk_level=RiskLevel.HIGH, leader_id=tree.town_head.pk)
    item = dispute_update(dispute=item, actor=tree.town_registrar, data=data, parties=parties())
    dispute_update(
        dispute=item,
        actor=tree.town_registrar,
        data=dispute_input(tree, risk_level=RiskLevel.HIGH, leader_id=tree.town_head.pk, title="改名"),
        parties=parties(),
    )
    assert len(notices(KIND_HIGH_RISK)) == 2


def test_an_overdue_item_is_announced_once_even_if_the_job_runs_twice(tree, make_dispute, run_worker):
    with time_machine.travel(NOV_2, tick=False):
        late = make_dispute(due_on=datetime.date(2026, 11, 10))
        settled = make_dispute(due_on=datetime.date(2026, 11, 5))
        dispute_resolve(dispute=settled, actor=tree.town_handler, outcome="已调解。")
        make_dispute(due_on=datetime.date(2026, 11, 30))
    with time_machine.travel(datetime.datetime(2026, 11, 10, 10, tzinfo=datetime.UTC), tick=False):
        assert disputes_notify_scan() == {"high_risk": 0, "overdue": 0}  # due today: not yet overdue
    with time_machine.travel(datetime.datetime(2026, 11, 11, 2, tzinfo=datetime.UTC), tick=False):
        run_worker()  # the periodic job, enqueued and run by the real worker
        assert len(notices(KIND_OVERDUE)) == 3
        assert disputes_notify_scan() == {"high_risk": 0, "overdue": 0}  # run again: nothing more
        assert disputes_notify_scan() == {"high_risk": 0, "overdue": 0}
    link = f"/disputes/{late.number}/"
    assert notices(KIND_OVERDUE) == [
        ("county_supervisor", link),
        ("county_supervisor2", link),
        ("town_handler", link),  # the responsible person
    ]
    assert Dispute.objects.get(pk=late.pk).overdue_notified_at is not None
    assert late.events.filter(kind="notified").count() == 1


def test_a_claim_already_taken_sends_nothing(tree, make_dispute):
    """Two workers: the second finds the row claimed by the first (the conditional UPDATE) and skips it."""
    from xinfang.disputes.notify import notify_overdue

    with time_machine.travel(NOV_2, tick=False):
        late = make_dispute(due_on=datetime.date(2026, 11, 3))
    stale_copy = Dispute.objects.get(pk=late.pk)  # read by both workers before either claimed
    today = datetime.date(2026, 11, 20)
    assert notify_overdue(late, today) is True
    assert notify_overdue(stale_copy, today) is False
    assert len(notices(KIND_OVERDUE)) == 3


def test_a_new_deadline_makes_its_passing_news_again(tree, make_dispute):
    with time_machine.travel(NOV_2, tick=False):
        item = make_dispute(due_on=datetime.date(2026, 11, 3))
    with time_machine.travel(datetime.datetime(2026, 11, 5, 2, tzinfo=datetime.UTC), tick=False):
        disputes_notify_scan()
        data = dispute_input(tree, found_on=datetime.date(2026, 11, 2), due_on=datetime.date(2026, 11, 12))
        data.period_start, data.period_end = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
        dispute_update(dispute=item, actor=tree.town_registrar, data=data, parties=parties())
    with time_machine.travel(datetime.datetime(2026, 11, 13, 2, tzinfo=datetime.UTC), tick=False):
        disputes_notify_scan()
    assert len(notices(KIND_OVERDUE)) == 6  # two deadlines passed, each announced once to three people


def test_reporting_tells_the_supervisors(tree, make_dispute):
    item = make_dispute()
    dispute_report(dispute=item, actor=tree.town_head)
    assert [u for u, _link in notices(KIND_REPORTED)] == ["county_supervisor", "county_supervisor2"]


def test_the_job_is_registered_with_the_worker():
    assert "xinfang.disputes.tasks.notify_disputes" in periodic_jobs()
