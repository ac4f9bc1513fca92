"""Who sees, edits, sends and reviews an item: every role × where the user sits (issue 5 §5 ¶3).

The item is the county 信访局's, sent up to the city 信访局. Relative to the sending unit (county):

- own       — the county 信访局 itself;
- parent    — the city 信访局 it reports to (the reviewer);
- sibling   — the other county's 信访局 under the same city;
- child     — 东湖镇, a township below the county.

The expectations are written out by hand from docs/reporting.md, never from the code's role sets.
Whoever may not see an item gets 404 — the same as for an item that does not exist; whoever sees it
but may not act gets 403; and a refusal changes nothing.
"""

import pytest
from django.urls import reverse

from conftest import PASSWORD
from xinfang.orgs.models import Membership, Role, User
from xinfang.reporting.choices import SubmissionStatus
from xinfang.reporting.models import Submission
from xinfang.reporting.submissions import submission_submit

ROLES = ("registrar", "dispatcher", "handler", "unit_head", "supervisor", "leader", "admin")
RELATIONS = ("own", "parent", "sibling", "child")

WRITERS = {"registrar", "dispatcher", "handler", "unit_head", "supervisor"}
SENDERS = {"registrar", "dispatcher", "unit_head"}
REVIEWERS = {"dispatcher", "supervisor", "leader", "unit_head"}


def expected(relation: str, role: str) -> dict[str, int]:
    sees_sent = relation in ("own", "parent")
    own = relation == "own"
    return {
        "view_sent": 200 if sees_sent else 404,
        "view_draft": 200 if own else 404,
        "edit_draft": (200 if role in WRITERS else 403) if own else 404,
        "submit_draft": (302 if role in SENDERS else 403) if own else 404,
        "review_sent": (302 if relation == "parent" and role in REVIEWERS else 403) if sees_sent else 404,
        "print_sent": 200 if sees_sent else 404,
    }


def _person(org, relation: str, role: str) -> User:
    unit = {"own": org.county, "parent": org.city, "sibling": org.other, "child": org.town}[relation]
    user = User.objects.create_user(username=f"{relation}_{role}", password=PASSWORD, full_name="测试")
    Membership.objects.create(user=user, unit=unit, role=Role.objects.get(code=role))
    return user


@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("role", ROLES)
def test_matrix(client, org, draft, relation, role):
    county_draft = draft(actor=org.registrar, unit=org.county, kind="bulletin", title="县信访局工作简报")
    sent = submission_submit(
        submission=draft(actor=org.registrar, unit=org.county, title="县信访局动态信息"), actor=org.registrar
    )
    client.force_login(_person(org, relation, role))
    want = expected(relation, role)

    got = {
        "view_sent": client.get(reverse("reporting:submission-detail", args=[sent.pk])).status_code,
        "view_draft": client.get(reverse("reporting:submission-detail", args=[county_draft.pk])).status_code,
        "edit_draft": client.get(reverse("reporting:submission-edit", args=[county_draft.pk])).status_code,
        "print_sent": client.get(reverse("reporting:submission-print", args=[sent.pk])).status_code,
        "review_sent": client.post(
            reverse("reporting:submission-review", args=[sent.pk, "adopt"]), {"adoption_level": "city"}
        ).status_code,
        "submit_draft": client.post(
            reverse("reporting:submission-submit", args=[county_draft.pk])
        ).status_code,
    }
    assert got == want

    sent.refresh_from_db()
    county_draft.refresh_from_db()
    adopted = want["review_sent"] == 302
    assert sent.status == (SubmissionStatus.ADOPTED if adopted else SubmissionStatus.SUBMITTED)
    assert county_draft.version_count == (1 if want["submit_draft"] == 302 else 0)


def test_lists_show_only_what_the_user_may_see(client, org, draft):
    township = submission_submit(submission=draft(title="东湖镇信息"), actor=org.town_handler)
    police = submission_submit(
        submission=draft(actor=org.police_head, unit=org.police, title="公安局信息"), actor=org.police_head
    )
    town_draft = draft(title="东湖镇草稿")

    def titles(user, box):
        client.force_login(user)
        response = client.get(reverse("reporting:submission-list"), {"box": box})
        assert response.status_code == 200
        return {s.title for s in response.context["page"].object_list}

    assert titles(org.town_handler, "mine") == {"东湖镇信息", "东湖镇草稿"}
    assert titles(org.police_handler, "archive") == {"公安局信息"}  # a sibling's item is not there
    assert titles(org.dispatcher, "review") == {"东湖镇信息", "公安局信息"}  # never the township's draft
    assert titles(org.city_leader, "archive") == {"东湖镇信息", "公安局信息"}  # the city sees its subtree
    assert titles(org.city_leader, "review") == set()  # …but reviews only what is sent to it
    assert titles(org.other_registrar, "archive") == set()
    assert {township.pk, police.pk, town_draft.pk} == set(Submission.objects.values_list("pk", flat=True))


def test_the_city_sees_a_township_item_but_only_the_county_reviews_it(client, org, sent):
    item = sent()
    client.force_login(org.city_head)
    assert client.get(reverse("reporting:submission-detail", args=[item.pk])).status_code == 200
    refused = client.post(
        reverse("reporting:submission-review", args=[item.pk, "return"]), {"reasons": "不行"}
    )
    assert refused.status_code == 403
    client.force_login(org.dispatcher)
    page = client.get(reverse("reporting:submission-detail", args=[item.pk]))
    assert 'id="review-adopt"' in page.content.decode()


def test_an_unknown_item_and_a_forbidden_one_look_the_same(client, org, sent):
    item = sent()
    client.force_login(org.police_handler)
    forbidden = client.get(reverse("reporting:submission-detail", args=[item.pk]))
    missing = client.get(reverse("reporting:submission-detail", args=[item.pk + 1000]))
    assert forbidden.status_code == missing.status_code == 404
    assert client.get(reverse("reporting:submission-attachment", args=[item.pk, 1])).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, sent):
    response = client.get(reverse("reporting:submission-detail", args=[sent().pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
