"""The shipped wording of each paper: `<kind>.txt`, the title on the first line, then a blank line and the body.

Used by the seeding migration and by the admin action "恢复默认模板".
"""

from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent


def load_default(kind: str) -> tuple[str, str]:
    """(title template, body template) of the shipped default for `kind`."""
    text = (DIRECTORY / f"{kind}.txt").read_text(encoding="utf-8").replace("\r\n", "\n")
    title, _, body = text.partition("\n")
    return title.strip(), body.strip() + "\n"
