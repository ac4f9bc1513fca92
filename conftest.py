"""Shared test fixtures: a small unit tree and personas (style.md §15).

市信访局 (city bureau)
└── 县信访局 (county bureau)
    ├── 东湖镇 (township, handling unit)
    └── 县公安局 (department, handling unit)
另一县信访局 (a bureau in another county)
"""

import datetime
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

os.environ.setdefault("XINFANG_ALLOW_INSECURE_KEY", "true")

PASSWORD = "Test@pass2026"


def make_png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def make_pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def valid_resident_id(first17: str = "99012119800101123") -> str:
    from xinfang.common.validators import resident_id_check_char

    return first17 + resident_id_check_char(first17)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs about a second per user; tests only need it to work."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def png_upload():
    return SimpleUploadedFile("scan.png", make_png_bytes(), content_type="image/png")


@pytest.fixture
def org(db):
    from xinfang.orgs.models import Membership, Region, Role, Unit, UnitKind, UnitLevel, User

    city_region = Region.objects.create(code="990100", name="示范市")
    county_region = Region.objects.create(code="990121", name="示范县", parent=city_region)
    other_region = Region.objects.create(code="990122", name="邻县", parent=city_region)
    city = Unit.objects.create(
        name="示范市信访局", kind=UnitKind.PETITION_BUREAU, level=UnitLevel.CITY, region=city_region
    )
    county = Unit.objects.create(
        name="示范县信访局",
        kind=UnitKind.PETITION_BUREAU,
        level=UnitLevel.COUNTY,
        region=county_region,
        parent=city,
    )
    town = Unit.objects.create(
        name="东湖镇",
        kind=UnitKind.HANDLING_UNIT,
        level=UnitLevel.TOWNSHIP,
        region=county_region,
        parent=county,
    )
    police = Unit.objects.create(
        name="县公安局",
        kind=UnitKind.HANDLING_UNIT,
        level=UnitLevel.DEPARTMENT,
        region=county_region,
        parent=county,
    )
    other = Unit.objects.create(
        name="邻县信访局",
        kind=UnitKind.PETITION_BUREAU,
        level=UnitLevel.COUNTY,
        region=other_region,
        parent=city,
    )

    def person(username, unit, *roles, **extra):
        user = User.objects.create_user(username=username, password=PASSWORD, full_name=username, **extra)
        for role in roles:
            Membership.objects.create(user=user, unit=unit, role=Role.objects.get(code=role))
        return user

    class Org:
        pass

    o = Org()
    o.city, o.county, o.town, o.police, o.other = city, county, town, police, other
    o.registrar = person("registrar", county, "registrar")
    o.dispatcher = person("dispatcher", county, "dispatcher")
    o.city_leader = person("city_leader", city, "leader")
    o.town_handler = person("town_handler", town, "handler", "registrar")
    o.police_handler = person("police_handler", police, "handler")
    o.other_registrar = person("other_registrar", other, "registrar")
    o.leader_only = person("leader_only", county, "leader")
    o.nobody = person("nobody", county)
    o.admin = person("admin", county, "admin", is_staff=True, is_superuser=True)
    # The workflow's heads and the city's staff (issue 3): sign-offs, 交办 from the city, 复查 above.
    o.county_head = person("county_head", county, "unit_head")
    o.town_head = person("town_head", town, "unit_head")
    o.police_head = person("police_head", police, "unit_head")
    o.city_dispatcher = person("city_dispatcher", city, "dispatcher", "registrar")
    o.city_head = person("city_head", city, "unit_head", "handler")
    return o


@pytest.fixture
def register(org):
    """Register a case through the real service with sensible defaults."""
    from xinfang.intake.services import PetitionerInput, case_register

    counter = {"n": 0}

    def _register(actor=None, unit=None, **overrides):
        counter["n"] += 1
        fields = {
            "actor": actor or org.registrar,
            "unit": unit or org.county,
            "channel_code": "letter",
            "purpose_code": "claim",
            "title": f"反映拖欠工资问题{counter['n']}",
            "content": "本人在某建筑工地务工，工资被拖欠三个月，多次讨要未果。",
            "received_on": datetime.date.today() - datetime.timedelta(days=1),
            "petitioners": [
                PetitionerInput(
                    name="张三", id_number=valid_resident_id(), phone="13912345678", address="东湖镇1号"
                )
            ],
        }
        fields.update(overrides)
        return case_register(**fields)

    return _register


@pytest.fixture
def run_worker(monkeypatch):
    """Run `manage.py worker --once` inside a test transaction.

    The worker closes stale connections between jobs; inside a test's transaction that would close the
    test's own connection, so it is a no-op here.
    """
    from django.core.management import call_command

    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)
    monkeypatch.setattr("xinfang.common.management.commands.worker.close_old_connections", lambda: None)

    def _run():
        call_command("worker", "--once")

    return _run


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: ids repeat between tests, so a cached KPI table
    (xinfang/reporting/kpis.py) of one test would otherwise answer for another's data."""
    from django.core.cache import cache

    cache.clear()
