"""The 信访局 reads who looked at whose personal data (2022 条例 §30, §46; issue 3 §9)."""

from django.urls import reverse

from xinfang.orgs.models import Membership, Role, User


def test_county_head_reads_the_views_of_its_staff_only(client, org, register):
    case = register()
    client.force_login(org.dispatcher)
    client.get(reverse("cases:detail", args=[case.number]))  # a view of personal data, audited
    client.force_login(org.other_registrar)
    other = register(actor=org.other_registrar, unit=org.other)
    client.get(reverse("cases:detail", args=[other.number]))

    client.force_login(org.county_head)
    page = client.get(reverse("audit")).content.decode()
    assert case.number in page and "dispatcher" in page and "查看信访人信息" in page
    assert other.number not in page  # another county's staff
    filtered = client.get(reverse("audit"), {"number": "990121000"}).content.decode()
    assert "没有符合条件的记录" in filtered
    csv = b"".join(client.get(reverse("audit"), {"format": "csv"}).streaming_content).decode("utf-8-sig")
    assert case.number in csv.splitlines()[1] and csv.startswith("时间")


def test_city_leader_sees_the_whole_city(client, org, register):
    other = register(actor=org.other_registrar, unit=org.other)
    client.force_login(org.other_registrar)
    client.get(reverse("cases:detail", args=[other.number]))
    client.force_login(org.city_leader)
    assert other.number in client.get(reverse("audit")).content.decode()


def test_staff_without_the_role_are_refused(client, org):
    for user in (org.dispatcher, org.town_handler, org.town_head):  # a township head is not a 信访局
        client.force_login(user)
        response = client.get(reverse("audit"))
        assert response.status_code == 403
    newcomer = User.objects.create_user(username="sup", password="x")
    Membership.objects.create(user=newcomer, unit=org.county, role=Role.objects.get(code="supervisor"))
    client.force_login(newcomer)
    assert client.get(reverse("audit")).status_code == 200
    bad_filter = client.get(reverse("audit"), {"since": "不是日期"})  # ignored, and the form says why
    assert bad_filter.status_code == 200
