"""Pagination that stays fast on deep pages of large lists."""

from django.core.paginator import Paginator


class IdFirstPaginator(Paginator):
    """Fetch a page's ids first (an index-only OFFSET scan), then only those rows with their joins.

    A plain OFFSET reads and joins every skipped row: page 50 of a busy township's list cost a second
    at 1,000,000 cases. Skipping ids in the covering index costs a few milliseconds at any depth.
    The queryset must be ordered; the page keeps that order.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(list(self.object_list.filter(pk__in=ids)), number, self)


def page_of(queryset, number: int, *, paginator=IdFirstPaginator, per_page: int | None = None):
    """One page of an API list (docs/api.md "分页"): page < 1 → 400; beyond the last → the last page.

    Every paginated API v1 list answers `{"items": [...], "pagination": page_meta(page)}`.
    """
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    if number < 1:
        raise ValidationError({"page": [_("页码应为从 1 开始的整数。")]})
    return paginator(queryset, per_page or settings.PAGE_SIZE).get_page(number)


def page_meta(page) -> dict:
    return {"page": page.number, "count": page.paginator.count, "pages": page.paginator.num_pages}
