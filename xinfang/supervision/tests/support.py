"""Shared setup of the 督办 and 回访 tests (test_supervision*.py, test_callback*.py).

This package's tests are shared with the deadline-scan tests, which have their own setup; so there
is no conftest here: each test file declares `sv` as `add_personas(org)`.

Personas on top of the shared `org` tree (conftest.py): the county 信访局's 督办员 `supervisor` and
领导 `county_leader`, the city's 督办员; the township's contact phone is a mobile number (SMS).
"""

import datetime

from django.utils import timezone

from xinfang.cases import steps
from xinfang.orgs.models import Membership, Role, User

TOWN_MOBILE = "13800000001"


def _person(username, unit, *roles):
    user = User.objects.create_user(username=username, password="Test@pass2026", full_name=username)
    for role in roles:
        Membership.objects.create(user=user, unit=unit, role=Role.objects.get(code=role))
    return user


def add_personas(org):
    """The org fixture with the supervision personas added."""
    org.supervisor = _person("supervisor", org.county, Role.SUPERVISOR)
    org.county_leader = _person("county_leader", org.county, Role.LEADER)
    org.city_supervisor = _person("city_supervisor", org.city, Role.SUPERVISOR)
    org.other_supervisor = _person("other_supervisor", org.other, Role.SUPERVISOR, Role.LEADER)
    org.town.contact_phone = TOWN_MOBILE
    org.town.save()
    return org


def handling_case(org, register, *, due_in_days: int = 40, **overrides):
    """A county case 交办 to the township, signed and accepted: 办理中 at the township."""
    case = register(**overrides)
    case = steps.case_assign(
        case=case,
        actor=org.dispatcher,
        to_unit=org.town,
        due_on=timezone.localdate() + datetime.timedelta(days=due_in_days),
        note="请依法办理",
    )
    case = steps.case_sign(case=case, actor=org.town_handler)
    return steps.case_accept(case=case, actor=org.town_handler)


def closed_case(org, register, **overrides):
    """A case the township registered, answered and served: 已办结 (closed today)."""
    case = register(unit=org.town, actor=org.town_handler, received_on=timezone.localdate(), **overrides)
    case = steps.case_accept(case=case, actor=org.town_handler)
    case = steps.case_opinion_draft(
        case=case,
        actor=org.town_handler,
        outcome="support",
        facts="经查属实。",
        basis="有关规定",
        text="予以支持。",
    )
    case = steps.case_opinion_decide(case=case, actor=org.town_head, approve=True)
    return steps.case_serve(
        case=case, actor=org.town_handler, method="in_person", served_on=timezone.localdate()
    )
