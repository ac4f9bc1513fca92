"""Filters available in document templates without `{% load %}` (snapshot values are plain JSON)."""

import datetime

from django import template

register = template.Library()


@register.filter
def cndate(value) -> str:
    """An ISO date string (or a date) → "2026年3月5日"; anything unparsable → ""."""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not isinstance(value, datetime.date):
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def joincn(value, separator: str = "、") -> str:
    """A list of names → "甲、乙、丙"; a plain string passes through."""
    if isinstance(value, list | tuple):
        return separator.join(str(item) for item in value if item)
    return value or ""


SENTENCE_ENDS = "。！？；…”’）」』.!?;)"


@register.filter
def sentence(value) -> str:
    """Free text as a sentence: a full stop is added unless it already ends with punctuation."""
    text = str(value or "").strip()
    if text and not text.endswith(tuple(SENTENCE_ENDS)):
        text += "。"
    return text
