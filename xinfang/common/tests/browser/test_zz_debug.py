import pytest
from django.db import connection

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def test_a():
    from xinfang.orgs.models import Role
    c = getattr(connection, "_test_serialized_contents", None)
    print("has contents", c is not None, c and len(c), c and ('orgs.role' in c))
    print(Role.objects.count())

def test_b():
    from xinfang.orgs.models import Role
    print(Role.objects.count())
