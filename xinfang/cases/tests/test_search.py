"""Full-text and advanced search (issue 6 §3) on SQLite and PostgreSQL alike: bigrams, filters, guards."""

import csv
import datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from xinfang.cases import steps
from xinfang.cases.search import bigrams, case_search, query_phrases
from xinfang.intake.services import ComplainedInput, PetitionerInput

WHISTLE_NAME = "钱举报"


@pytest.fixture
def county_client(client, org):
    client.force_login(org.registrar)
    return client


def found(client, **params):
    page = client.get("/cases/search/", params)
    assert page.status_code == 200
    result = page.context["page"]
    return None if result is None else {case.number for case in result.object_list}


def test_bigrams_split_cjk_and_keep_ascii_words_whole():
    assert bigrams("拆迁补偿 WiFi-6 噪") == "拆迁 迁补 补偿 偿 wifi 6 噪"
    assert query_phrases("拆迁补偿 噪") == [["拆迁", "迁补", "补偿"], ["噪", "*"]]


def test_two_character_words_are_found_without_false_positives(county_client, register):
    demolition = register(title="关于拆迁补偿的问题", content="村里拆迁以后补偿款一直没有到位。")
    noise = register(title="夜间施工噪音扰民", content="工地晚上十点以后仍在施工，噪音很大。")
    scattered = register(title="拆除违建", content="迁走的住户反映噪声和音响问题。")  # 拆…迁, 噪…音: no match
    assert found(county_client, q="拆迁") == {demolition.number}
    assert found(county_client, q="噪音") == {noise.number}
    assert found(county_client, q="违建") == {scattered.number}
    assert found(county_client, q="拆迁补偿") == {demolition.number}
    assert found(county_client, q="拆迁补偿款") == set()  # every bigram occurs, never in that order


def test_multi_word_queries_and_ascii_words(county_client, register):
    both = register(title="拆迁噪音", content="拆迁工地的噪音，WiFi 信号塔也在附近。")
    one = register(title="拆迁问题", content="拆迁安置房质量差。")
    assert found(county_client, q="拆迁 噪音") == {both.number}
    assert found(county_client, q="拆迁") == {both.number, one.number}
    assert found(county_client, q="wifi") == {both.number}
    assert found(county_client, q="WIFI 安置") == set()


def test_single_characters_are_found(county_client, register):
    case = register(title="反映噪音", content="楼下酒吧太吵")
    assert found(county_client, q="吵") == {case.number}  # the last character of a run
    assert found(county_client, q="酒") == {case.number}


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE cases_case; --",
        ".*",
        "%",
        "_",
        '"',
        '拆迁"',
        "NEAR(拆迁 噪音)",
        "拆迁 AND",
        "AND",
        "*",
        "拆迁*",
        "OR NOT",
        "^$|\\",
        "()",
        "{body}:拆迁",
        "a'b",
        "x" * 300,
    ],
)
def test_metacharacters_are_text_never_an_error(county_client, register, text):
    register(title="关于拆迁补偿的问题")
    page = county_client.get("/cases/search/", {"q": text})
    assert page.status_code == (400 if len(text) > 100 else 200)  # longer than the field allows: 400
    api = county_client.get("/api/v1/cases/search", {"q": text})
    assert api.status_code in (200, 400)


def test_an_empty_query_asks_for_something(county_client, register):
    register()
    page = county_client.get("/cases/search/", {"q": "  "})
    assert page.status_code == 200 and page.context["page"] is None
    assert "请输入" in page.content.decode()
    assert county_client.get("/cases/search/").status_code == 200
    assert "/cases/search/" in county_client.get("/cases/lookup/").content.decode()
    assert county_client.get("/api/v1/cases/search").status_code == 400


def test_other_units_cases_are_not_found(client, register, org):
    mine = register(title="拆迁补偿问题")
    register(actor=org.other_registrar, unit=org.other, title="拆迁补偿问题")
    client.force_login(org.registrar)
    assert found(client, q="拆迁") == {mine.number}
    client.force_login(org.other_registrar)
    assert found(client, q="拆迁") != {mine.number}


def test_a_person_search_never_finds_a_whistleblowers_case_for_the_handling_unit(client, org, register):
    case = register(
        purpose_code="accusation",
        title="反映某站所工作人员违规收费",
        petitioners=[PetitionerInput(name=WHISTLE_NAME, phone="13811112222")],
    )
    case = steps.case_transfer(case=case, actor=org.dispatcher, to_unit=org.town)
    case = steps.case_accept(case=steps.case_sign(case=case, actor=org.town_handler), actor=org.town_handler)
    client.force_login(org.town_handler)
    assert found(client, q="违规收费") == {case.number}  # the case itself is theirs to handle
    assert found(client, petitioner_name=WHISTLE_NAME) == set()
    assert found(client, petitioner_phone="13811112222") == set()
    api = client.get("/api/v1/cases/search", {"petitioner_name": WHISTLE_NAME})
    assert api.status_code == 200 and api.json()["items"] == []
    client.force_login(org.registrar)  # the county bureau above may know the reporter
    assert found(client, petitioner_name=WHISTLE_NAME) == {case.number}


def test_filters_over_case_fields(county_client, register, org):
    today = datetime.date.today()
    old = register(title="拆迁问题", received_on=today - datetime.timedelta(days=40), is_urgent=True)
    new = register(title="拆迁问题", received_on=today - datetime.timedelta(days=1))
    since = (today - datetime.timedelta(days=10)).isoformat()
    assert found(county_client, q="拆迁", received_from=since) == {new.number}
    assert found(county_client, is_urgent="on") == {old.number}
    assert found(county_client, owner_unit=org.county.pk) == {old.number, new.number}
    assert found(county_client, owner_unit=org.town.pk) == set()
    assert found(county_client, status=new.status) == {old.number, new.number}
    assert found(county_client, petitioner_name="张三", q="拆迁") == {old.number, new.number}
    accused = register(title="反映乱收费", complained=[ComplainedInput(name="李四", organisation="某站所")])
    assert found(county_client, complained="李四") == {accused.number}
    assert found(county_client, complained="某站所") == {accused.number}
    assert found(county_client, complained="王五") == set()
    page = county_client.get("/cases/search/", {"received_from": "not a date"})
    assert page.status_code == 400 and page.context["page"] is None


def test_results_paginate(county_client, register, settings):
    settings.PAGE_SIZE = 10
    for n in range(12):
        register(title=f"噪音扰民{n}")
    first = county_client.get("/cases/search/", {"q": "噪音"})
    second = county_client.get("/cases/search/", {"q": "噪音", "page": 2})
    assert len(first.context["page"].object_list) == 10 and len(second.context["page"].object_list) == 2
    assert "q=%E5%99%AA%E9%9F%B3&amp;page=2" in first.content.decode()
    api = county_client.get("/api/v1/cases/search", {"q": "噪音", "page": 2}).json()
    assert api["pagination"]["count"] == 12 and len(api["items"]) == 2


def test_reindex_rebuilds_the_search_text(register, org, capsys):
    from xinfang.cases.models import Case

    case = register(title="反映噪音")
    Case.objects.filter(pk=case.pk).update(title="反映拆迁")  # a bulk write that bypassed the service
    assert not case_search(user=org.registrar, criteria={"q": "拆迁"}).exists()
    call_command("search_reindex", batch=1)
    assert list(case_search(user=org.registrar, criteria={"q": "拆迁"})) == [case]
    assert not case_search(user=org.registrar, criteria={"q": "噪音"}).exists()
    assert "reindexed" in capsys.readouterr().out


def test_counts_stop_at_the_cap(county_client, register, settings, monkeypatch):
    monkeypatch.setattr("xinfang.cases.search.RESULT_CAP", 3)
    settings.PAGE_SIZE = 2
    cases = [register(title=f"噪音扰民{n}") for n in range(5)]
    page = county_client.get("/cases/search/", {"q": "噪音"})
    assert page.context["page"].paginator.capped and page.context["page"].paginator.num_pages == 2
    assert "超过" in page.content.decode()
    newest_first = [c.number for c in reversed(cases)][:2]
    assert [c.number for c in page.context["page"].object_list] == newest_first


REAL_MESSAGES = Path("/work/shared/data/tipdm2020c-sample-attachment2/附件2.csv")


@pytest.mark.skipif(not REAL_MESSAGES.exists(), reason="the shared citizen-message sample is not here")
def test_real_citizen_messages_are_found_exactly_where_the_words_occur(org, register):
    """Real 问政 messages (TipDM 2020 C, read at test time): the index finds exactly the substring matches."""
    with REAL_MESSAGES.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["留言主题"].strip()][:120]
    texts = {}
    for row in rows:
        case = register(title=row["留言主题"].strip()[:200], content=row["留言详情"].strip() or "（无）")
        texts[case.pk] = f"{case.title}\n{case.content}"
    some_hits = 0
    for word in ("噪音", "拆迁", "安置", "物业", "小区", "学校", "安全隐患", "扰民", "西湖"):
        expected = {pk for pk, text in texts.items() if word in text}
        got = set(case_search(user=org.registrar, criteria={"q": word}).values_list("pk", flat=True))
        assert got == expected, word
        some_hits += bool(expected)
    assert some_hits >= 4


def test_it_pages_from_one_ordered_read_of_ids(county_client, register, org, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PAGE_SIZE = 4
    cases = [register(title=f"噪音扰民{n}", received_on=datetime.date(2026, 1, 1 + n)) for n in range(10)]
    expected = [c.number for c in case_search(user=org.registrar, criteria={"q": "噪音"})]
    assert expected == [c.number for c in reversed(cases)]  # newest first
    shown = []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as ctx:
            page = county_client.get("/cases/search/", {"q": "噪音", "page": number})
        shown += [c.number for c in page.context["page"].object_list]
        full_text = [
            q for q in ctx.captured_queries if "cases_case_fts" in q["sql"] or "cases_case_search" in q["sql"]
        ]
        assert len(full_text) == 1  # count, ids and rows from one read
        assert page.context["page"].paginator.count == 10
    assert shown == expected
    # With a date filter the count is of the filtered cases only.
    recent = county_client.get("/cases/search/", {"q": "噪音", "received_from": "2026-01-08"})
    assert [c.number for c in recent.context["page"].object_list] == expected[:3]
    assert recent.context["page"].paginator.count == 3
