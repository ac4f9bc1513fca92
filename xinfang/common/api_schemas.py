"""Schemas several API routers share (one class per name: the OpenAPI document keys schemas by name)."""

from ninja import Schema


class ErrorOut(Schema):
    """The API's error shape (integrations/api.py): a code, a Chinese message, per-field errors."""

    code: str
    detail: str
    errors: dict[str, list[str]] | None = None


class Page(Schema):
    """Where a paged list stands (docs/api.md, Pagination)."""

    page: int = 1
    count: int
    pages: int
