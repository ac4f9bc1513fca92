"""The `<docfmt:…>` URL converter: the two formats a paper is downloadable in."""

from django.urls import register_converter


class FormatConverter:
    regex = "docx|pdf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "docfmt")
