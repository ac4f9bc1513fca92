"""Fixtures for the document tests: files go to a temporary MEDIA_ROOT; helpers read .docx and PDF."""

import io
import shutil
import subprocess
import tempfile
import zipfile

import pytest

from xinfang.cases.choices import CaseStatus
from xinfang.cases.services import case_transition

POPPLER_MISSING = "poppler-utils (pdftotext, pdffonts) is not installed: run `make install-test` as root"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def docx_text(content: bytes) -> str:
    """All paragraph text of a .docx, as Word shows it."""
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def docx_all_parts(content: bytes) -> str:
    """Every XML part of the package (body, core properties, …) as text: nothing may hide anywhere."""
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return "".join(package.read(name).decode("utf-8", "replace") for name in package.namelist())


def _poppler(tool: str, content: bytes, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.skip(POPPLER_MISSING)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(content)
        pdf.flush()
        command = [tool, *args, pdf.name] + (["-"] if tool == "pdftotext" else [])
        result = subprocess.run(command, capture_output=True, check=True)  # noqa: S603 (fixed tools)
    return result.stdout.decode("utf-8", "replace")


def pdf_text(content: bytes) -> str:
    return _poppler("pdftotext", content, "-enc", "UTF-8")


def pdf_fonts(content: bytes) -> str:
    return _poppler("pdffonts", content)


def pdf_info(content: bytes) -> str:
    return _poppler("pdfinfo", content)


def response_bytes(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def protected_case(register, org):
    """A 检举控告 case sent from the county bureau to the police (the handling unit)."""
    case = register(purpose_code="accusation", title="举报县公安局某民警违规收费", content="张三实名举报。")
    return case_transition(
        case=case,
        to_status=CaseStatus.PENDING_SIGN,
        actor=org.dispatcher,
        unit=org.county,
        new_owner=org.police,
    )
