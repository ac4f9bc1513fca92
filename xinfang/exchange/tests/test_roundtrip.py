"""A real round trip between two deployments, each with its own database and key (issue 7 §6).

The test database is the city system. The county system is a second installation: `manage.py` in a
subprocess with its own SQLite file (migrated once for this module), its own deployment id, key and
media folder. The city 交办s a 检举控告 case to the county; the county imports it (twice: the second
time changes nothing), handles it to a served opinion and a 办结报告, and sends the result back; the
city imports the result and approves the report. Both sides' final states are asserted.
"""

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from conftest import make_pdf_bytes
from xinfang.cases.access import can_see_identity
from xinfang.cases.choices import CaseStatus as S
from xinfang.cases.models import Case
from xinfang.cases.steps import case_report_decide
from xinfang.exchange.importing import package_import
from xinfang.exchange.keys import key_generate, public_key_text
from xinfang.exchange.models import CaseLink, ExchangePackage, Peer
from xinfang.exchange.services import peer_save

ROOT = Path(__file__).resolve().parents[3]
CITY_ID, COUNTY_ID = "city-990100", "county-990121"

# The county installation's own tree: its copy of the city bureau (standing for the city system),
# its bureau, a township and the staff who work the case.
COUNTY_SETUP = """
from xinfang.orgs.models import Membership, Region, Role, Unit, UnitKind, UnitLevel, User
from xinfang.exchange.models import Peer
from xinfang.exchange.services import peer_save
city_r = Region.objects.create(code="990100", name="示范市")
county_r = Region.objects.create(code="990121", name="示范县", parent=city_r)
city = Unit.objects.create(name="示范市信访局", kind=UnitKind.PETITION_BUREAU, level=UnitLevel.CITY, region=city_r)
county = Unit.objects.create(name="示范县信访局", kind=UnitKind.PETITION_BUREAU, level=UnitLevel.COUNTY,
                             region=county_r, parent=city)
town = Unit.objects.create(name="东湖镇", kind=UnitKind.HANDLING_UNIT, level=UnitLevel.TOWNSHIP,
                           region=county_r, parent=county)
def person(name, unit, *roles):
    user = User.objects.create_user(username=name, password="x-Test@2026", full_name=name)
    for role in roles:
        Membership.objects.create(user=user, unit=unit, role=Role.objects.get(code=role))
person("county_dispatcher", county, "dispatcher", "registrar")
person("county_head", county, "unit_head")
person("town_handler", town, "handler")
peer_save(peer=Peer(name="市信访系统", deployment_id="%(city_id)s", public_key="%(city_key)s", local_unit=city),
          acting_user=None, via="cli")
"""

# The county handles the case it received and prints where it stands.
COUNTY_HANDLE = """
import datetime, json
from django.core.management import call_command
from xinfang.cases import steps
from xinfang.cases.models import Case
from xinfang.orgs.models import User
u = {n: User.objects.get(username=n) for n in ("county_dispatcher", "county_head")}
case = Case.objects.get(number="%(number)s")
case = steps.case_sign(case=case, actor=u["county_dispatcher"])
case = steps.case_accept(case=case, actor=u["county_dispatcher"], route="依照信访程序调查处理")
case = steps.case_opinion_draft(case=case, actor=u["county_dispatcher"], outcome="explain",
    facts="经调查核实，反映的问题部分属实。", basis="《信访工作条例》第三十二条", text="已责成相关单位整改。")
case = steps.case_opinion_decide(case=case, actor=u["county_head"], approve=True)
case = steps.case_serve(case=case, actor=u["county_dispatcher"], method="post", served_on=datetime.date.today())
case = steps.case_report_submit(case=case, actor=u["county_dispatcher"], text="已办结，答复意见书已送达。")
call_command("exchange_export", case.number, "--result", "--user", "county_dispatcher", "--out", "%(out)s")
"""

COUNTY_STATE = """
import json
from xinfang.cases.access import can_see_identity
from xinfang.cases.models import Case
from xinfang.common.models import AuditLog
from xinfang.exchange.models import CaseLink, ExchangePackage
from xinfang.orgs.models import User
case = Case.objects.get(number="%(number)s")
link = CaseLink.objects.get(case=case)
print("STATE" + json.dumps({
    "status": case.status, "owner": case.owner_unit.name, "cases": Case.objects.count(),
    "remote_number": link.remote_number, "role": link.role,
    "packages": sorted(ExchangePackage.objects.values_list("direction", "kind")),
    "petitioner": case.petitioners.get().name, "protects": case.protects_identity,
    "town_sees_identity": can_see_identity(User.objects.get(username="town_handler"), case),
    "audits": sorted(set(AuditLog.objects.filter(action__startswith="exchange_").values_list("action", flat=True))),
}, ensure_ascii=False))
"""


class County:
    """The second deployment: `manage.py` against its own SQLite database."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{home / 'county.sqlite3'}",
            "XINFANG_VAR_DIR": str(home / "var"),
            "MEDIA_ROOT": str(home / "media"),
            "EXCHANGE_DEPLOYMENT_ID": COUNTY_ID,
            "EXCHANGE_PRIVATE_KEY_PATH": str(home / "county.pem"),
            "XINFANG_ALLOW_INSECURE_KEY": "true",
            "SMS_NOTIFY": "false",
        }

    def run(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(  # noqa: S603 - our own manage.py, arguments from this test
            [sys.executable, str(ROOT / "manage.py"), *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def shell(self, script: str) -> str:
        return self.run("shell", stdin=script)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """Migrated once per module (a fresh SQLite database takes some seconds), with its own key."""
    county = County(tmp_path_factory.mktemp("county"))
    county.run("migrate", "--noinput", "-v0")
    out = county.run("exchange_keygen")
    county.public_key = re.search(r"公钥[^：]*：(\S+)", out).group(1)
    county.city_key_path = county.home / "city.pem"  # the city's key, made here so the county knows it
    city_key = key_generate(county.city_key_path)
    county.shell(COUNTY_SETUP % {"city_id": CITY_ID, "city_key": public_key_text(city_key)})
    return county


@pytest.fixture
def city(org, settings, tmp_path, county):
    """This database as the city system: its key, and the county registered as a peer."""
    settings.EXCHANGE_DEPLOYMENT_ID = CITY_ID
    settings.EXCHANGE_PRIVATE_KEY_PATH = county.city_key_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return peer_save(
        peer=Peer(
            name="县信访系统", deployment_id=COUNTY_ID, public_key=county.public_key, local_unit=org.county
        ),
        acting_user=org.admin,
    )


@pytest.mark.django_db
def test_a_case_goes_to_another_deployment_and_its_result_comes_back(org, register, city, county, tmp_path):
    scan = SimpleUploadedFile("检举信.pdf", make_pdf_bytes(), content_type="application/pdf")
    original = register(
        actor=org.city_dispatcher, unit=org.city, purpose_code="accusation", attachments=[scan]
    )
    due = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    transfer = tmp_path / "transfer.zip"
    call_command(
        "exchange_export", original.number, "--to", COUNTY_ID, "--user", "city_dispatcher",
        "--assign", "--due", due, "--out", str(transfer),
    )  # fmt: skip
    assert Case.objects.get(pk=original.pk).status == S.PENDING_SIGN

    first = json.loads(county.run("exchange_import", str(transfer), "--json"))
    assert first["created"] and first["status"] == S.PENDING_SIGN
    again = json.loads(county.run("exchange_import", str(transfer), "--json"))
    assert (
        not again["created"] and again["case_number"] == first["case_number"] and "已导入" in again["message"]
    )

    result = tmp_path / "result.zip"
    county.shell(COUNTY_HANDLE % {"number": first["case_number"], "out": result})
    outcome = package_import(data=result.read_bytes(), actor=org.city_dispatcher)
    assert outcome.created and outcome.case.pk == original.pk
    back = Case.objects.get(pk=original.pk)
    assert (back.status, back.owner_unit) == (S.REPORTED, org.city)
    assert back.opinions.get().outcome == "explain" and back.services.get().method == "post"
    # the scanned letter, then the county's 意见书, 送达回证 and 办结报告 as PDF
    assert back.attachments.count() == 4
    closed = case_report_decide(case=back, actor=org.city_dispatcher, approve=True, note="同意办结")
    assert closed.status == S.CLOSED
    assert CaseLink.objects.get(case=original).remote_number == first["case_number"]
    assert sorted(ExchangePackage.objects.values_list("direction", "kind")) == [
        ("in", "result"),
        ("out", "transfer"),
    ]
    assert can_see_identity(org.city_dispatcher, closed)

    state = county.shell(COUNTY_STATE % {"number": first["case_number"]})
    county_state = json.loads(state.split("STATE", 1)[1])
    assert county_state["status"] == S.REPORTED and county_state["owner"] == "示范市信访局"
    assert county_state["cases"] == 1  # imported twice, registered once
    assert (county_state["role"], county_state["remote_number"]) == ("received", original.number)
    assert county_state["packages"] == [["in", "transfer"], ["out", "result"]]
    assert county_state["petitioner"] == "张三" and county_state["protects"]
    assert county_state["town_sees_identity"] is False  # masked by the county's own rules
    assert county_state["audits"] == [
        "exchange_exported",
        "exchange_imported",
        "exchange_key_generated",
        "exchange_peer_created",
    ]


@pytest.mark.django_db
def test_a_package_tampered_in_transit_is_refused_by_the_other_deployment(
    org, register, city, county, tmp_path
):
    original = register(actor=org.city_dispatcher, unit=org.city)
    transfer = tmp_path / "transfer.zip"
    call_command(
        "exchange_export",
        original.number,
        "--to",
        COUNTY_ID,
        "--user",
        "city_dispatcher",
        "--out",
        str(transfer),
    )
    data = bytearray(transfer.read_bytes())
    index = data.find("反映拖欠工资".encode())
    if index < 0:  # case.json is deflated: flip a byte inside the compressed member instead
        index = len(data) // 2
    data[index] ^= 0x01
    transfer.write_bytes(bytes(data))
    done = subprocess.run(  # noqa: S603 - our own manage.py, arguments from this test
        [sys.executable, str(ROOT / "manage.py"), "exchange_import", str(transfer)],
        cwd=ROOT, env=county.env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode != 0
    assert "数据包" in done.stderr or "签名" in done.stderr or "校验" in done.stderr
