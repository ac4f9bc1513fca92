"""Who may take which step where: every action × every role × where the user sits (issue 3 §8).

The matrix is generated from plain data: each action in `ACTIONS`, each role (and a user with no role),
and the acting user's unit relative to the unit that must act:

- own       — the unit that must act;
- parent    — the unit right above it;
- sibling   — another unit under the same parent;
- child     — a unit right below it;
- unrelated — a unit in the other county.

For each action a fresh case is brought, through the real step services, to where that action is
legitimately allowed (e.g. `serve`: an approved opinion; `hearing_end`: 复核 with a hearing open).
The expectation comes from `RULES` below, a table written out by hand from docs/workflow.md, never from
the guard. An allowed user gets the form (GET 200) and the step runs through its service. Anyone else
is refused over HTTP and nothing changes (status, version, holder, event count):

- 404 when the user cannot see the case at all — the same answer as a case that does not exist;
- 403 when the user sees the case but may not take this step here.

Who sees a case (`xinfang/cases/access.py`): a 信访部门 (bureau) sees every case linked to its own unit
or to any unit below it; a handling unit sees only cases linked to it, i.e. what it registered or what
was sent to it (as holder, 抄送 or 协办). `sees()` below restates that rule from the `CaseUnit` table.
A user with no role has no seat anywhere and sees nothing.

The cases are built once per module inside one transaction that is rolled back at the end; every
parametrised test runs in a savepoint inside it, so the services run on the allowed cells change
nothing for the next test.
"""

import datetime
import json
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xinfang.cases import steps
from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.models import Case, CaseEvent, CaseUnit
from xinfang.cases.steps import STEP_SERVICES
from xinfang.cases.workflow import ACTIONS
from xinfang.integrations.auth import api_token_create
from xinfang.orgs.models import Membership, Region, Role, Unit, UnitKind, UnitLevel, User

ROLES = ("registrar", "dispatcher", "handler", "unit_head", "supervisor", "leader", "admin")
RELATIONS = ("own", "parent", "sibling", "child", "unrelated")

STAFF = frozenset({"dispatcher", "handler", "unit_head"})
BUREAU_DESK = frozenset({"dispatcher", "unit_head"})  # 转送/交办/存档/拆分, 审核办结报告
REVIEW_DESK = frozenset({"registrar", "dispatcher", "unit_head"})  # 复查/复核申请 are registered
HEAD = frozenset({"unit_head"})  # 审批延期, 审签意见书
OWN = frozenset({"own"})
OWN_OR_PARENT = frozenset({"own", "parent"})  # the parent is a 信访部门 above the answering unit


@dataclass(frozen=True)
class Rule:
    start: str  # the starting point the case is brought to (see STARTS)
    unit: str  # the unit that must act
    roles: frozenset[str]
    relations: frozenset[str]


# Written from docs/workflow.md "The steps", independently of workflow.ACTIONS.
RULES: dict[str, Rule] = {
    "transfer": Rule("registered", "county", BUREAU_DESK, OWN),
    "assign": Rule("registered", "county", BUREAU_DESK, OWN),
    "accept": Rule("registered", "county", STAFF, OWN),
    "inform": Rule("registered", "county", STAFF, OWN),
    "divert": Rule("registered", "county", STAFF, OWN),
    "not_accept": Rule("registered", "county", STAFF, OWN),
    "no_longer_accept": Rule("registered", "county", STAFF, OWN),
    "archive": Rule("registered", "county", BUREAU_DESK, OWN),
    "split": Rule("registered", "county", BUREAU_DESK, OWN),
    "sign": Rule("pending_sign", "town", STAFF, OWN),
    "object": Rule("pending_sign", "town", STAFF, OWN),
    "note": Rule("handling", "town", STAFF, OWN),
    "extension_request": Rule("handling", "town", STAFF, OWN),
    "extension_decide": Rule("extension_pending", "town", HEAD, OWN),
    "opinion_draft": Rule("handling", "town", STAFF, OWN),
    "opinion_decide": Rule("opinion_pending", "town", HEAD, OWN),
    "serve": Rule("opinion_issued", "town", STAFF, OWN),
    "settle": Rule("handling", "town", STAFF, OWN),
    "report_submit": Rule("served", "town", STAFF, OWN),
    "report_decide": Rule("reported", "county", BUREAU_DESK | {"supervisor"}, OWN),
    # The holder (the township that answered) or a 信访部门 above it.
    "evaluate": Rule("served", "town", STAFF | {"registrar", "supervisor"}, OWN_OR_PARENT),
    # A 信访部门 above the township that answered; the county holds the closed case.
    "recheck_request": Rule("closed", "county", REVIEW_DESK, OWN_OR_PARENT),
    # A 信访部门 above the township that gave the 复查 answer (its office gave the first one).
    "rereview_request": Rule("recheck_served", "county", REVIEW_DESK, OWN_OR_PARENT),
    "hearing_start": Rule("rereview", "county", STAFF, OWN),
    "hearing_end": Rule("hearing_open", "county", STAFF, OWN),
}

# Where each relation sits, for the two units that must act in RULES.
#   示范市信访局 ─┬─ 示范县信访局 ─┬─ 东湖镇 ── 东湖镇综治中心
#                │               └─ 县公安局
#                └─ 邻县信访局 ──── 西山镇
AROUND = {
    "county": {
        "own": "county",
        "parent": "city",
        "sibling": "other",
        "child": "town",
        "unrelated": "other_town",
    },
    "town": {"own": "town", "parent": "county", "sibling": "police", "child": "office", "unrelated": "other"},
}

MATRIX = [
    pytest.param(code, role, relation, id=f"{code}-{role}-{relation}")
    for code in RULES
    for role in ROLES
    for relation in RELATIONS
] + [pytest.param(code, None, None, id=f"{code}-no_role") for code in RULES]

# The API is tried on a sample of the refusals: the heads (the strongest role) and the role-less user.
API_SAMPLE_ROLES = ("unit_head", None)


def _today() -> datetime.date:
    return timezone.localdate()


# --- The world: units, the people who move the cases, and one case per action --------------------


def _units() -> dict[str, Unit]:
    city_region = Region.objects.create(code="990100", name="示范市")
    county_region = Region.objects.create(code="990121", name="示范县", parent=city_region)
    other_region = Region.objects.create(code="990122", name="邻县", parent=city_region)
    bureau, handling = UnitKind.PETITION_BUREAU, UnitKind.HANDLING_UNIT

    def unit(name, kind, level, region, parent=None):
        return Unit.objects.create(name=name, kind=kind, level=level, region=region, parent=parent)

    city = unit("示范市信访局", bureau, UnitLevel.CITY, city_region)
    county = unit("示范县信访局", bureau, UnitLevel.COUNTY, county_region, city)
    town = unit("东湖镇", handling, UnitLevel.TOWNSHIP, county_region, county)
    return {
        "city": city,
        "county": county,
        "town": town,
        "police": unit("县公安局", handling, UnitLevel.DEPARTMENT, county_region, county),
        "office": unit("东湖镇综治中心", handling, UnitLevel.DEPARTMENT, county_region, town),
        "other": (other := unit("邻县信访局", bureau, UnitLevel.COUNTY, other_region, city)),
        "other_town": unit("西山镇", handling, UnitLevel.TOWNSHIP, other_region, other),
    }


def member(unit: Unit | None, role: str | None, *, username: str = "") -> User:
    """A user holding `role` in `unit`; with no role, a user with no seat at all."""
    user = User.objects.create_user(username=username or f"u-{role}-{unit.pk if unit else 0}", password=None)
    if role is not None:
        Membership.objects.create(user=user, unit=unit, role=Role.objects.get(code=role))
    return user


def _people(units) -> SimpleNamespace:
    def person(name, unit, *roles):
        user = member(units[unit], roles[0], username=f"w-{name}")
        for role in roles[1:]:
            Membership.objects.create(user=user, unit=units[unit], role=Role.objects.get(code=role))
        return user

    return SimpleNamespace(
        county_registrar=person("county_registrar", "county", "registrar"),
        county_dispatcher=person("county_dispatcher", "county", "dispatcher"),
        county_head=person("county_head", "county", "unit_head"),
        town_handler=person("town_handler", "town", "handler"),
        town_head=person("town_head", "town", "unit_head"),
        office_handler=person("office_handler", "office", "registrar", "handler"),
        office_head=person("office_head", "office", "unit_head"),
    )


def _register(w, *, unit, actor) -> Case:
    from xinfang.intake.services import PetitionerInput, case_register

    w.counter += 1
    return case_register(
        actor=actor,
        unit=unit,
        channel_code="letter",
        purpose_code="claim",
        title=f"反映拖欠工资问题{w.counter}",
        content="本人在某建筑工地务工，工资被拖欠三个月，多次讨要未果。",
        received_on=_today() - datetime.timedelta(days=1),
        petitioners=[PetitionerInput(name="张三", phone="13912345678", address="东湖镇1号")],
    )


OPINION = {
    "outcome": "support",
    "facts": "经查属实。",
    "basis": "《信访工作条例》第三十二条",
    "text": "予以支持。",
}


def _answer(case, *, handler, head) -> Case:
    """Draft, sign off and serve the opinion of the current stage."""
    case = steps.case_opinion_draft(case=case, actor=handler, **OPINION)
    case = steps.case_opinion_decide(case=case, actor=head, approve=True)
    return steps.case_serve(case=case, actor=handler, method="in_person", served_on=_today())


# "Bring a case to the starting point": each builds on the one before it, through the real services.


def registered(w) -> Case:
    return _register(w, unit=w.u["county"], actor=w.p.county_registrar)


def pending_sign(w) -> Case:
    due = _today() + datetime.timedelta(days=40)
    return steps.case_assign(case=registered(w), actor=w.p.county_dispatcher, to_unit=w.u["town"], due_on=due)


def handling(w) -> Case:
    case = steps.case_sign(case=pending_sign(w), actor=w.p.town_handler)
    return steps.case_accept(case=case, actor=w.p.town_handler)


def extension_pending(w) -> Case:
    return steps.case_extension_request(
        case=handling(w), actor=w.p.town_handler, days=10, reason="需现场勘验"
    )


def opinion_pending(w) -> Case:
    return steps.case_opinion_draft(case=handling(w), actor=w.p.town_handler, **OPINION)


def opinion_issued(w) -> Case:
    return steps.case_opinion_decide(case=opinion_pending(w), actor=w.p.town_head, approve=True)


def served(w) -> Case:
    case = opinion_issued(w)
    return steps.case_serve(case=case, actor=w.p.town_handler, method="in_person", served_on=_today())


def reported(w) -> Case:
    return steps.case_report_submit(case=served(w), actor=w.p.town_handler, text="已督促支付到位")


def closed(w) -> Case:
    return steps.case_report_decide(case=reported(w), actor=w.p.county_dispatcher, approve=True)


def recheck_served(w) -> Case:
    """The township's office answered; the township gave the 复查 answer (the county registered it)."""
    case = _register(w, unit=w.u["office"], actor=w.p.office_handler)
    case = steps.case_accept(case=case, actor=w.p.office_handler)
    case = _answer(case, handler=w.p.office_handler, head=w.p.office_head)
    case = steps.case_recheck_request(
        case=case, actor=w.p.county_registrar, requested_on=_today(), review_unit=w.u["town"], reason="不服"
    )
    return _answer(case, handler=w.p.town_handler, head=w.p.town_head)


def rereview(w) -> Case:
    return steps.case_rereview_request(
        case=recheck_served(w),
        actor=w.p.county_registrar,
        requested_on=_today(),
        review_unit=w.u["county"],
        reason="对复查意见不服",
    )


def hearing_open(w) -> Case:
    return steps.case_hearing_start(case=rereview(w), actor=w.p.county_dispatcher, started_on=_today())


def final(w) -> Case:
    case = steps.case_hearing_end(case=hearing_open(w), actor=w.p.county_dispatcher, ended_on=_today())
    return _answer(case, handler=w.p.county_dispatcher, head=w.p.county_head)


STARTS = {
    f.__name__: f
    for f in (
        registered,
        pending_sign,
        handling,
        extension_pending,
        opinion_pending,
        opinion_issued,
        served,
        reported,
        closed,
        recheck_served,
        rereview,
        hearing_open,
    )
}


def start_of(code: str, w) -> Case:
    """A fresh case at the point where `code` is legitimately allowed for the right actor."""
    return STARTS[RULES[code].start](w)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        w = SimpleNamespace(counter=0)
        w.u = _units()
        w.p = _people(w.u)
        w.final = final(w)
        assert w.final.status == S.FINAL
        w.cases = {code: start_of(code, w).pk for code in RULES}
        yield w
        transaction.set_rollback(True)


# --- What the right actor sends, and what the service is called with -----------------------------


def form_data(code: str, w) -> dict:
    """A valid form for `code` (web form fields; the API takes the same as JSON)."""
    today, later = _today().isoformat(), (_today() + datetime.timedelta(days=30)).isoformat()
    review = {"requested_on": today, "review_unit": w.u["county"].pk, "reason": "不服"}
    return {
        "transfer": {"to_unit": w.u["town"].pk},
        "assign": {"to_unit": w.u["town"].pk, "due_on": later},
        "accept": {"accepted_on": today, "route": "依照信访程序调查处理"},
        "inform": {"reason": "属人大职权", "route": "向县人大常委会反映"},
        "divert": {"route_code": "litigation", "reason": "已起诉"},
        "not_accept": {"reason": "正在办理中", "basis": "《信访工作条例》第十九条"},
        "no_longer_accept": {"final_case_number": w.final.number, "reason": "同一事实和理由"},
        "archive": {"reason": "感谢信"},
        "split": {"title": "另一个问题：噪音扰民", "content": "工地夜间施工噪音扰民。"},
        "sign": {},
        "object": {"reason": "不属于本单位职权范围"},
        "note": {"text": "已走访当事人"},
        "extension_request": {"days": 10, "reason": "需现场勘验"},
        "extension_decide": {"decision": "yes"},
        "opinion_draft": OPINION,
        "opinion_decide": {"decision": "yes"},
        "serve": {"method": "in_person", "served_on": today},
        "settle": {"agreement": "双方达成和解协议"},
        "report_submit": {"text": "已处理"},
        "report_decide": {"decision": "yes"},
        "evaluate": {"target": "handler", "level": "satisfied", "source": "phone"},
        "recheck_request": review,
        "rereview_request": review,
        "hearing_start": {"started_on": today},
        "hearing_end": {"ended_on": today},
    }[code]


def service_kwargs(code: str, w, unit: Unit) -> dict:
    today = _today()
    review = {"requested_on": today, "review_unit": unit, "reason": "不服"}  # to the actor's own body
    return {
        "transfer": {"to_unit": w.u["town"]},
        "assign": {"to_unit": w.u["town"], "due_on": today + datetime.timedelta(days=30)},
        "accept": {},
        "inform": {"reason": "属人大职权", "route": "向县人大常委会反映"},
        "divert": {"route_code": "litigation", "reason": "已起诉"},
        "not_accept": {"reason": "正在办理中", "basis": "《信访工作条例》第十九条"},
        "no_longer_accept": {"final_case": w.final, "reason": "同一事实和理由"},
        "archive": {"reason": "感谢信"},
        "split": {"parts": [{"title": "另一个问题：噪音扰民", "content": "工地夜间施工噪音扰民。"}]},
        "sign": {},
        "object": {"reason": "不属于本单位职权范围"},
        "note": {"text": "已走访当事人"},
        "extension_request": {"days": 10, "reason": "需现场勘验"},
        "extension_decide": {"approve": True},
        "opinion_draft": OPINION,
        "opinion_decide": {"approve": True},
        "serve": {"method": "in_person", "served_on": today},
        "settle": {"agreement": "双方达成和解协议"},
        "report_submit": {"text": "已处理"},
        "report_decide": {"approve": True},
        "evaluate": {"target": "handler", "level": "satisfied", "source": "phone"},
        "recheck_request": review,
        "rereview_request": review,
        "hearing_start": {"started_on": today},
        "hearing_end": {"ended_on": today},
    }[code]


# --- Helpers ---------------------------------------------------------------------------------------


def sees(unit: Unit | None, case: Case) -> bool:
    """The documented visibility rule, restated: a bureau sees its subtree, a handling unit its links."""
    if unit is None:
        return False
    linked = Unit.objects.filter(pk__in=CaseUnit.objects.filter(case=case).values("unit"))
    if unit.is_bureau:
        return any(other.path.startswith(unit.path) for other in linked)
    return any(other.pk == unit.pk for other in linked)


def state(case: Case, code: str) -> tuple:
    fresh = Case.objects.get(pk=case.pk)
    events = CaseEvent.objects.filter(case=case)
    return (
        fresh.status,
        fresh.version,
        fresh.owner_unit_id,
        events.count(),
        events.filter(data__action=code).count(),
    )


def action_url(case: Case, code: str) -> str:
    return reverse("cases:action", args=[case.number, code])


def api_post(client, user, case, code, body):
    _token, raw = api_token_create(user=user, name="矩阵测试")
    return client.post(
        f"/api/v1/cases/{case.number}/actions/{code}",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )


# --- The tests -------------------------------------------------------------------------------------


def test_the_matrix_covers_every_action():
    assert set(RULES) == set(ACTIONS)
    assert len(MATRIX) == len(ACTIONS) * (len(ROLES) * len(RELATIONS) + 1)


@pytest.mark.django_db
def test_every_role_is_in_the_matrix():
    assert set(ROLES) == set(Role.objects.values_list("code", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "role", "relation"), MATRIX)
def test_permission_matrix(client, world, code, role, relation):
    rule = RULES[code]
    case = Case.objects.get(pk=world.cases[code])
    unit = world.u[AROUND[rule.unit][relation]] if role else None
    user = member(unit, role)
    client.force_login(user)
    url = action_url(case, code)
    before = state(case, code)

    response = client.get(url)
    if role in rule.roles and relation in rule.relations:
        assert response.status_code == 200, response.content.decode()[:500]
        assert 'name="version"' in response.content.decode()
        STEP_SERVICES[code](
            case=case, actor=user, expected_version=case.version, **service_kwargs(code, world, unit)
        )
        _status, version, _owner, events, done = state(case, code)
        assert (version, done) == (before[1] + 1, before[4] + 1)
        assert events > before[3]
        return

    expected = 403 if sees(unit, case) else 404
    assert response.status_code == expected
    response = client.post(url, {**form_data(code, world), "version": case.version})
    assert response.status_code == expected
    if role in API_SAMPLE_ROLES:
        body = {**form_data(code, world), "version": case.version}
        assert api_post(client, user, case, code, body).status_code == expected
    assert state(case, code) == before


@pytest.mark.django_db
@pytest.mark.parametrize("code", list(RULES))
def test_the_refused_form_is_accepted_from_the_right_actor(client, world, code):
    """The POSTs refused above carry a valid form: from an allowed user the same POST does the step."""
    rule = RULES[code]
    case = Case.objects.get(pk=world.cases[code])
    user = member(world.u[rule.unit], sorted(rule.roles)[0])
    client.force_login(user)
    before = state(case, code)
    response = client.post(action_url(case, code), {**form_data(code, world), "version": case.version})
    assert response.status_code == 302, response.content.decode()[:800]
    assert state(case, code)[1] == before[1] + 1 and state(case, code)[4] == before[4] + 1


@pytest.mark.django_db
def test_a_superuser_sees_every_case_but_takes_no_step(client, world):
    """Seeing everything is not a role: with only the admin role, every step is refused (403)."""
    user = member(world.u["county"], "admin", username="root")
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    client.force_login(User.objects.get(pk=user.pk))
    for code in RULES:
        case = Case.objects.get(pk=world.cases[code])
        assert client.get(action_url(case, code)).status_code == 403, code


@pytest.mark.django_db
def test_an_assisting_unit_may_add_notes_and_nothing_else(client, world):
    """协办: the police, a sibling of the township, were asked to assist — notes only."""
    w = world
    due = _today() + datetime.timedelta(days=40)
    case = steps.case_assign(
        case=registered(w),
        actor=w.p.county_dispatcher,
        to_unit=w.u["town"],
        due_on=due,
        assisting=[w.u["police"]],
    )
    case = steps.case_accept(case=steps.case_sign(case=case, actor=w.p.town_handler), actor=w.p.town_handler)
    helper = member(w.u["police"], "handler")
    client.force_login(helper)
    assert client.get(action_url(case, "note")).status_code == 200
    for code in ("extension_request", "opinion_draft", "settle"):
        assert client.get(action_url(case, code)).status_code == 403, code
    steps.case_note(case=case, actor=helper, text="公安局协助调查", expected_version=case.version)
    assert case.events.filter(data__action="note", unit=w.u["police"]).count() == 1
