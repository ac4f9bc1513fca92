import sys
import types
from unittest import mock

import pytest

from xinfang.deadlines.models import RuleSet


@pytest.fixture
def national(db):
    return RuleSet.objects.get(code="national-2022")


@pytest.fixture
def zhejiang(db):
    return RuleSet.objects.get(code="zhejiang-2016")


@pytest.fixture
def recompute_task(monkeypatch):
    """A stand-in for xinfang.cases.tasks.recompute_open_deadlines (owned by the cases app)."""
    task = mock.Mock()
    module = types.ModuleType("xinfang.cases.tasks")
    module.recompute_open_deadlines = task
    monkeypatch.setitem(sys.modules, "xinfang.cases.tasks", module)
    return task


@pytest.fixture
def hook_calls(monkeypatch):
    """Counts calls to services.holiday_table_changed without enqueuing anything."""
    calls = []
    monkeypatch.setattr("xinfang.deadlines.services.holiday_table_changed", lambda: calls.append(1))
    return calls
