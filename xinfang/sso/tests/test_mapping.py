"""Claims to seats, and the sign-in service, without a provider (claims as the backend hands them over)."""

import pytest

from xinfang.common.models import AuditLog
from xinfang.orgs.models import Membership, Role
from xinfang.sso.models import DepartmentMapping, RoleMapping, SsoIdentity
from xinfang.sso.selectors import claim_values, seats_for_claims
from xinfang.sso.services import Refusal, sso_sign_in

ISSUER = "https://oa.example.gov.cn/o"


@pytest.mark.parametrize(
    ("claims", "name", "expected"),
    [
        ({"department": "县公安局"}, "department", ["县公安局"]),
        ({"department": [" 县公安局 ", "县公安局", ""]}, "department", ["县公安局"]),
        ({"roles": [{"name": "信访承办"}, {"id": 7}]}, "roles", ["信访承办", "7"]),
        ({"org": {"dept": {"name": "东湖镇"}}}, "org.dept", ["东湖镇"]),
        ({"roles": None}, "roles", []),
        ({"roles": True}, "roles", []),
        ({}, "department", []),
    ],
)
def test_claim_values_accept_every_shape(claims, name, expected):
    assert claim_values(claims, name) == expected


@pytest.mark.django_db
def test_seats_skip_inactive_mappings_and_units(mapping):
    org = mapping
    DepartmentMapping.objects.filter(claim_value="东湖镇人民政府").update(is_active=False)
    claims = {"department": ["示范县公安局", "东湖镇人民政府"], "roles": ["信访承办", "信访局领导"]}
    assert seats_for_claims(claims).seats == {(org.police.pk, "handler"), (org.county.pk, "leader")}

    org.county.is_active = False
    org.county.save()
    assert seats_for_claims(claims).seats == {(org.police.pk, "handler")}


@pytest.mark.django_db
def test_a_fixed_unit_role_maps_whatever_the_department(mapping):
    result = seats_for_claims({"department": "县档案馆", "roles": ["信访局领导"]})
    assert result.seats == {(mapping.county.pk, "leader")}
    assert result.departments == ["县档案馆"]


@pytest.mark.django_db
def test_one_oa_role_may_give_several_roles(mapping):
    RoleMapping.objects.create(claim_value="信访承办", role=Role.objects.get(code="registrar"))
    result = seats_for_claims({"department": "示范县公安局", "roles": "信访承办"})
    assert result.seats == {(mapping.police.pk, "handler"), (mapping.police.pk, "registrar")}


@pytest.mark.django_db
def test_sign_in_is_idempotent(mapping):
    claims = {"sub": "u-1", "department": "示范县公安局", "roles": ["信访承办"], "name": "赵六"}
    first = sso_sign_in(issuer=ISSUER, claims=claims)
    second = sso_sign_in(issuer=ISSUER, claims=claims)
    assert first.user == second.user
    assert first.added and not second.added and not second.removed
    assert Membership.objects.filter(user=first.user).count() == 1
    assert AuditLog.objects.filter(action="sso_login").count() == 2


@pytest.mark.django_db
def test_the_same_sub_from_another_issuer_is_another_person(mapping):
    claims = {"sub": "u-1", "department": "示范县公安局", "roles": ["信访承办"]}
    one = sso_sign_in(issuer=ISSUER, claims=claims).user
    other = sso_sign_in(issuer="https://other-oa.example/o", claims=claims).user
    assert one != other
    assert SsoIdentity.objects.count() == 2


@pytest.mark.django_db
def test_a_hand_made_seat_is_not_claimed_by_sso(mapping):
    claims = {"sub": "u-2", "department": "示范县公安局", "roles": ["信访承办"]}
    user = sso_sign_in(issuer=ISSUER, claims=claims).user
    identity = user.sso_identity
    identity.grants.all().delete()  # as if an administrator had made that seat by hand beforehand
    sso_sign_in(issuer=ISSUER, claims={**claims, "roles": ["单位负责人"]})
    assert set(Membership.objects.filter(user=user).values_list("role_id", flat=True)) == {
        "handler",
        "unit_head",
    }


@pytest.mark.django_db
def test_nothing_mapped_refuses_and_writes_what_came(mapping):
    outcome = sso_sign_in(issuer=ISSUER, claims={"sub": "u-3", "department": "无名部门"})
    assert outcome.user is None and outcome.refusal == Refusal.UNMAPPED
    row = AuditLog.objects.get(action="sso_login_refused")
    assert row.detail == {
        "reason": "unmapped",
        "issuer": ISSUER,
        "subject": "u-3",
        "departments": ["无名部门"],
        "roles": [],
    }


@pytest.mark.django_db
def test_a_first_login_that_lost_a_race_uses_the_winners_link(mapping):
    from xinfang.orgs.models import User
    from xinfang.sso.services import _identity_first_login

    claims = {"sub": "u-4", "department": "示范县公安局", "roles": ["信访承办"], "name": "钱七"}
    winner = sso_sign_in(issuer=ISSUER, claims=claims).user
    users = User.objects.count()

    identity = _identity_first_login(issuer=ISSUER, subject="u-4", claims=claims, request=None)

    assert identity.user == winner
    assert User.objects.count() == users  # the loser's half-made user was rolled back
