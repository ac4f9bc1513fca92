"""Fixtures for 信息报送: files in a temporary MEDIA_ROOT, an item through the real services, a .docx.

The shared `org` fixture (conftest.py at the top) gives 示范市信访局 → 示范县信访局 → 东湖镇 and
县公安局, and 邻县信访局 beside the county. Here the township 东湖镇 reports to the county 信访局.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.reporting.submissions import submission_create


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def docx_bytes(text: str = "东湖镇工作简报附件") -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph(text)
    document.save(buffer)
    return buffer.getvalue()


def docx_upload(name: str = "附件.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, docx_bytes())


def exe_upload(name: str = "简报.pdf") -> SimpleUploadedFile:
    """A Windows program renamed to look like a PDF."""
    header = (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00"
    )
    return SimpleUploadedFile(name, header + b"\x00" * 64 + b"PE\x00\x00" + b"\x00" * 400, "application/pdf")


@pytest.fixture
def draft(org):
    """Make a draft of 东湖镇 (or another unit) through the real service."""
    counter = {"n": 0}

    def _draft(actor=None, unit=None, **overrides):
        counter["n"] += 1
        fields = {
            "kind": "dynamic",
            "title": f"东湖镇春节前矛盾纠纷排查情况{counter['n']}",
            "body": "一、基本情况\n本月共排查矛盾纠纷12件，已化解10件。\n二、下步打算\n继续做好稳控工作。",
            "period": "2026-03",
        }
        fields.update(overrides)
        return submission_create(actor=actor or org.town_handler, unit=unit or org.town, **fields)

    return _draft


@pytest.fixture
def sent(draft, org):
    """A township item sent to the county 信访局 (by its registrar, who is also its 承办员)."""
    from xinfang.reporting.submissions import submission_submit

    def _sent(**overrides):
        return submission_submit(submission=draft(**overrides), actor=org.town_handler)

    return _sent
