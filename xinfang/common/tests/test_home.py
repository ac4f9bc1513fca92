"""The first page after login: a leader's is the 数据看板, everyone else's the workbench."""

from django.test import Client


def _home(user):
    client = Client()
    client.force_login(user)
    return client.get("/")


def test_it_sends_a_leader_to_the_dashboard(org):
    assert _home(org.leader_only)["Location"] == "/reports/dashboard/"


def test_it_sends_everyone_else_to_the_workbench(org):
    for user in (org.registrar, org.dispatcher, org.police_handler):
        assert _home(user)["Location"] == "/cases/"


def test_it_shows_the_dashboard_link_in_the_top_bar_only_to_those_who_look(org):
    leader = Client()
    leader.force_login(org.leader_only)
    registrar = Client()
    registrar.force_login(org.registrar)
    assert ">看板</a>" in leader.get("/cases/").content.decode()
    assert ">看板</a>" not in registrar.get("/cases/").content.decode()


def test_it_sends_an_anonymous_visitor_to_log_in(db):
    response = Client().get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
