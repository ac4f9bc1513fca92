"""抽查回访 draws: reproducible (same seed, same data → same sample), recorded, scoped, and clear about shortfalls."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.cases import steps
from xinfang.cases.models import Case
from xinfang.messaging.models import Notification
from xinfang.orgs.models import Membership, Role
from xinfang.supervision import callbacks
from xinfang.supervision.callbacks import Population, sample
from xinfang.supervision.choices import DrawMode
from xinfang.supervision.models import Callback, CallbackDraw
from xinfang.supervision.tests.support import add_personas, closed_case
from xinfang.supervision.workflow import SupervisionConflict, SupervisionRefused


@pytest.fixture
def sv(org):
    return add_personas(org)


@pytest.fixture
def closed(sv, register):
    """Seven closed cases answered by the township and two by the police, all closed today."""
    town = [closed_case(sv, register) for _ in range(7)]
    Membership.objects.create(
        user=sv.police_handler, unit=sv.police, role=Role.objects.get(code=Role.REGISTRAR)
    )
    sv.police_handler._xf_seats = None
    police = []
    for _ in range(2):
        case = register(unit=sv.police, actor=sv.police_handler, received_on=timezone.localdate())
        police.append(case)
    finished = []
    for case in police:
        case = steps.case_accept(case=case, actor=sv.police_handler)
        case = steps.case_opinion_draft(
            case=case, actor=sv.police_handler, outcome="explain", facts="f", basis="b", text="t"
        )
        case = steps.case_opinion_decide(case=case, actor=sv.police_head, approve=True)
        finished.append(
            steps.case_serve(
                case=case, actor=sv.police_handler, method="post", served_on=timezone.localdate()
            )
        )
    return town, finished


def _draw(org, **fields):
    today = timezone.localdate()
    params = {
        "actor": org.supervisor,
        "unit": org.county,
        "period_start": today - datetime.timedelta(days=7),
        "period_end": today,
        "mode": DrawMode.COUNT,
        "per_unit_count": 3,
    }
    params.update(fields)
    return callbacks.callback_draw(**params)


def test_the_same_seed_gives_the_same_sample_and_it_is_recorded(sv, closed):
    town, police = closed
    first = _draw(sv, seed=20260301)
    second = _draw(sv, seed=20260301)
    assert first.case_ids == second.case_ids
    assert len(first.case_ids) == 3 + 2  # 3 of the township's 7, both of the police's 2
    assert set(first.case_ids[:3]) <= {c.pk for c in town}  # units in id order: township first
    assert set(first.case_ids[3:]) == {c.pk for c in police}
    stored = CallbackDraw.objects.get(pk=first.pk)
    assert stored.seed == 20260301 and stored.mode == "count" and stored.per_unit_count == 3
    assert stored.population["units"] == {str(sv.town.pk): 7, str(sv.police.pk): 2}
    assert stored.population["total"] == 9 and len(stored.population["digest"]) == 64
    assert "县公安局：符合条件的只有2件，少于每单位3件，已全部抽取。" in stored.note
    assert list(first.callbacks.values_list("case_id", flat=True)) == first.case_ids
    ids, same_population = callbacks.callback_draw_repeat(stored)
    assert ids == stored.case_ids and same_population


def test_a_different_seed_draws_differently_and_no_seed_makes_one(sv, closed):
    samples = {tuple(_draw(sv, seed=seed).case_ids[:3]) for seed in range(1, 9)}
    assert len(samples) > 1
    drawn = _draw(sv)
    assert drawn.seed >= 0


def test_the_sample_does_not_depend_on_the_order_rows_come_in():
    groups = {3: [30, 10, 20, 40, 50], 1: [5, 1, 3, 2, 4]}
    shuffled = Population(groups={3: [50, 40, 30, 20, 10], 1: [4, 3, 2, 1, 5]})
    ordered = Population(groups=groups)
    kwargs = {"seed": 7, "mode": DrawMode.SHARE, "share_percent": 40, "per_unit_count": None}
    assert sample(ordered, **kwargs) == sample(shuffled, **kwargs)
    drawn, short = sample(ordered, **kwargs)
    assert len(drawn) == 4 and not short  # 40 % of 5 = 2 per unit


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6),
    seed=st.integers(min_value=0, max_value=2**48),
    share=st.integers(min_value=1, max_value=100),
)
def test_a_share_rounds_up_per_unit_and_repeats_exactly(sizes, seed, share):
    population = Population(
        groups={
            unit: list(range(unit * 100, unit * 100 + size))
            for unit, size in enumerate(sizes, start=1)
            if size
        }
    )
    kwargs = {"seed": seed, "mode": DrawMode.SHARE, "share_percent": share, "per_unit_count": None}
    drawn, _short = sample(population, **kwargs)
    assert drawn == sample(population, **kwargs)[0]
    assert len(drawn) == len(set(drawn))
    expected = sum(-(-len(ids) * share // 100) for ids in population.groups.values())
    assert len(drawn) == expected


def test_a_share_takes_at_least_one_of_every_unit(sv, closed):
    draw = _draw(sv, mode=DrawMode.SHARE, share_percent=10, per_unit_count=None, seed=1)
    assert len(draw.case_ids) == 2  # ceil(0.7) + ceil(0.2)
    assert draw.share_percent == 10 and draw.per_unit_count is None and not draw.note


def test_only_the_bureaus_supervisors_and_leaders_draw(sv, closed):
    for user in (sv.dispatcher, sv.town_head, sv.registrar):
        with pytest.raises(SupervisionRefused):
            _draw(sv, actor=user)
    _draw(sv, actor=sv.county_leader)
    with pytest.raises(SupervisionRefused):
        _draw(sv, actor=sv.supervisor, unit=sv.city)  # not a supervisor of the city


def test_the_population_is_the_bureaus_own_subtree_and_period(sv, closed, register):
    other_case = register(unit=sv.other, actor=sv.other_registrar)
    Case.objects.filter(pk=other_case.pk).update(status="closed", is_open=False, closed_at=timezone.now())
    draw = _draw(sv, per_unit_count=100)
    assert other_case.pk not in draw.case_ids and len(draw.case_ids) == 9
    city = callbacks.callback_draw(
        actor=sv.city_supervisor,
        unit=sv.city,
        period_start=timezone.localdate(),
        period_end=timezone.localdate(),
        mode=DrawMode.COUNT,
        per_unit_count=100,
    )
    assert other_case.pk in city.case_ids  # the city sees both counties
    long_ago = timezone.localdate() - datetime.timedelta(days=400)
    with pytest.raises(SupervisionConflict, match="没有可以回访"):
        _draw(sv, period_start=long_ago, period_end=long_ago + datetime.timedelta(days=30))


def test_bad_parameters_are_refused_with_reasons(sv, closed):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        _draw(sv, period_start=today, period_end=today - datetime.timedelta(days=1))
    assert "结束日期" in str(error.value)
    with pytest.raises(ValidationError):
        _draw(sv, per_unit_count=0)
    with pytest.raises(ValidationError):
        _draw(sv, mode=DrawMode.SHARE, share_percent=101)
    with pytest.raises(ValidationError):
        _draw(sv, mode="everything")
    with pytest.raises(ValidationError, match="本单位人员"):
        _draw(sv, assignees=[sv.town_handler])
    assert not CallbackDraw.objects.exists()


def test_tasks_are_assigned_in_turn_and_the_callers_told(sv, closed):
    draw = _draw(sv, assignees=[sv.supervisor, sv.registrar], seed=5)
    assignees = list(draw.callbacks.order_by("position").values_list("assignee__username", flat=True))
    assert assignees == ["supervisor", "registrar", "supervisor", "registrar", "supervisor"]
    assert Notification.objects.filter(kind="callback", user=sv.registrar).count() == 1


def test_a_repeat_after_the_data_changed_says_so(sv, closed):
    draw = _draw(sv, seed=3)
    Case.objects.filter(pk=draw.case_ids[0]).update(status="recheck", is_open=True, closed_at=None)
    ids, same_population = callbacks.callback_draw_repeat(draw)
    assert not same_population


# --- Pages and API ------------------------------------------------------------------------------


def test_the_draw_page_and_the_api(client, sv, closed):
    client.force_login(sv.supervisor)
    today = timezone.localdate()
    form = client.get(reverse("supervision:draw-create"))
    assert form.status_code == 200
    answer = client.post(
        reverse("supervision:draw-create"),
        {
            "unit": sv.county.pk,
            "period_start": (today - datetime.timedelta(days=3)).isoformat(),
            "period_end": today.isoformat(),
            "mode": "count",
            "per_unit_count": 10,
            "seed": 42,
            "assignees": [sv.supervisor.pk],
        },
    )
    draw = CallbackDraw.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("supervision:draw", args=[draw.pk])
    page = client.get(answer.url + "?verify=1").content.decode()
    assert "42" in page and "全部抽取" in page and "结果与记录一致" in page
    assert Callback.objects.filter(assignee=sv.supervisor).count() == 9
    bad = client.post(reverse("supervision:draw-create"), {"unit": sv.county.pk, "mode": "count"})
    assert bad.status_code == 400

    from xinfang.integrations.auth import api_token_create

    _token, raw = api_token_create(user=sv.supervisor, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = {
        "period_start": (today - datetime.timedelta(days=3)).isoformat(),
        "period_end": today.isoformat(),
        "mode": "count",
        "per_unit_count": 10,
        "seed": 42,
    }
    created = client.post(
        "/api/v1/supervision/callbacks/draws", data=body, content_type="application/json", **headers
    )
    assert created.status_code == 201, created.content
    assert created.json()["case_ids"] == draw.case_ids  # the same seed over the same data
    verified = client.get(
        f"/api/v1/supervision/callbacks/draws/{created.json()['id']}?verify=true", **headers
    )
    assert verified.json()["verified"] == {"same_sample": True, "same_population": True}
    too_many = client.post(
        "/api/v1/supervision/callbacks/draws",
        data={**body, "per_unit_count": 5000},
        content_type="application/json",
        **headers,
    )
    assert too_many.status_code == 400


def test_staff_who_may_not_draw_get_a_clear_403(client, sv):
    client.force_login(sv.dispatcher)
    page = client.get(reverse("supervision:draw-create"))
    assert page.status_code == 403 and "督办员或领导" in page.content.decode()
    from xinfang.integrations.auth import api_token_create

    _token, raw = api_token_create(user=sv.town_handler, name="t")
    answer = client.post(
        "/api/v1/supervision/callbacks/draws",
        data={"period_start": "2026-01-01", "period_end": "2026-01-31"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert answer.status_code == 403


def test_other_counties_do_not_see_a_draw(client, sv, closed):
    draw = _draw(sv)
    client.force_login(sv.other_supervisor)
    assert client.get(reverse("supervision:draw", args=[draw.pk])).status_code == 404
    task = draw.callbacks.first()
    assert client.get(reverse("supervision:callback", args=[task.pk])).status_code == 404
