"""IdFirstPaginator returns the same pages, in the same order, as Django's Paginator."""

from django.core.paginator import Paginator

from xinfang.cases.models import Case
from xinfang.common.paging import IdFirstPaginator


def test_every_page_matches_plain_pagination(db, register):
    for _ in range(7):
        register()
    ordered = Case.objects.select_related("channel").order_by("-registered_at", "-id")
    plain, lean = Paginator(ordered, 3, orphans=1), IdFirstPaginator(ordered, 3, orphans=1)

    assert lean.num_pages == plain.num_pages == 2
    for number in plain.page_range:
        expected = [case.pk for case in plain.page(number)]
        page = lean.page(number)
        assert [case.pk for case in page] == expected
        assert page.start_index() == plain.page(number).start_index()
    assert [c.pk for c in lean.get_page(99)] == [c.pk for c in plain.page(2)]  # out of range → last page


def test_empty_list_has_one_empty_page(db):
    page = IdFirstPaginator(Case.objects.order_by("id"), 20).get_page(1)
    assert list(page) == [] and page.paginator.count == 0
