"""Counts per unit and period (`submission_counts`), the 信访局's summary page, and the counts API."""

import datetime

import time_machine
from django.urls import reverse

from xinfang.reporting.submission_selectors import reporting_units, submission_counts
from xinfang.reporting.submissions import submission_adopt, submission_return, submission_submit

TZ = datetime.timezone(datetime.timedelta(hours=8))


def at(month: int, day: int, hour: int = 10):
    return time_machine.travel(datetime.datetime(2026, month, day, hour, tzinfo=TZ), tick=False)


def test_it_counts_per_unit_and_period_by_the_date_of_each_event(org, draft):
    with at(3, 30):
        a = submission_submit(submission=draft(kind="bulletin"), actor=org.town_handler)
        b = submission_submit(submission=draft(), actor=org.town_handler)
        c = submission_submit(submission=draft(), actor=org.town_handler)
        submission_submit(submission=draft(actor=org.police_head, unit=org.police), actor=org.police_head)
        draft()  # never sent: not counted
    with at(3, 31, 23):  # late on the quarter's last day, Beijing time
        submission_adopt(submission=a, actor=org.dispatcher, adoption_level="city", score=10)
        submission_return(submission=b, actor=org.dispatcher, reasons="请补充数据")
    with at(4, 2):
        submission_submit(submission=b, actor=org.town_handler)  # sent again: not a new item
        submission_return(submission=b, actor=org.dispatcher, reasons="仍不完整")
        submission_adopt(submission=c, actor=org.county_head, score=5)

    first = submission_counts(
        [org.town, org.police, org.other], datetime.date(2026, 1, 1), datetime.date(2026, 3, 31)
    )
    town = first[org.town.pk]
    assert (town.submitted, town.adopted, town.returned, town.score) == (3, 1, 1, 10)
    assert town.submitted_by_kind == {"bulletin": 1, "dynamic": 2}
    assert town.adopted_by_level == {"city": 1} and town.adopted_above_county == 1
    assert (first[org.police.pk].submitted, first[org.police.pk].adopted) == (1, 0)
    assert first[org.other.pk].submitted == 0  # asked for, so present with zeros

    second = submission_counts([org.town.pk], datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))[
        org.town.pk
    ]
    assert (second.submitted, second.adopted, second.returned, second.score) == (0, 1, 1, 5)
    assert second.adopted_by_level == {"county": 1}

    whole = submission_counts([org.town], datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))[org.town.pk]
    assert (whole.submitted, whole.adopted, whole.returned) == (3, 2, 1)  # b returned twice: one item


def test_the_reporting_units_of_a_bureau(org):
    assert {u.name for u in reporting_units(org.county)} == {"东湖镇", "县公安局"}
    assert {u.name for u in reporting_units(org.city)} == {"示范县信访局", "邻县信访局"}  # not the townships


def test_the_summary_page_for_the_bureau(client, org, draft):
    with at(2, 10):
        item = submission_submit(submission=draft(), actor=org.town_handler)
        submission_adopt(submission=item, actor=org.dispatcher)
    client.force_login(org.dispatcher)
    page = client.get(reverse("reporting:submission-summary"), {"period": "2026-Q1"})
    assert page.status_code == 200
    rows = {row.unit.name: row.counts for row in page.context["rows"]}
    assert rows["东湖镇"].submitted == 1 and rows["东湖镇"].adopted == 1 and rows["县公安局"].submitted == 0
    html = page.content.decode()
    assert "2026年1月1日 至 2026年3月31日" in html and "未报送" in html
    empty = client.get(reverse("reporting:submission-summary"), {"period": "2026-Q2"})
    assert {row.unit.name: row.counts.submitted for row in empty.context["rows"]} == {
        "东湖镇": 0,
        "县公安局": 0,
    }
    by_dates = client.get(
        reverse("reporting:submission-summary"), {"since": "2026-02-10", "until": "2026-02-10"}
    )
    assert sum(row.counts.submitted for row in by_dates.context["rows"]) == 1


def test_the_summary_is_for_reviewers_only(client, org):
    client.force_login(org.town_handler)
    assert client.get(reverse("reporting:submission-summary")).status_code == 403
    client.force_login(org.registrar)
    assert client.get(reverse("reporting:submission-summary")).status_code == 403
