"""Drawing the captcha image offline with Pillow: distorted letters and digits on a noisy background.

Characters that people confuse (0/O, 1/I/L, 2/Z, 5/S, 8/B, a tilted 7/V) are left out, and answers
are compared without regard to case, so an older citizen on a small phone is not failed by the alphabet.
"""

import io
import math
import secrets

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ALPHABET = "3469ACDEFGHJKMNPQRTUVWXY"
LENGTH = 4
WIDTH, HEIGHT = 180, 70
FONT_SIZE = 34


def new_answer(length: int = LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(text: str) -> str:
    """What the citizen typed, compared like the answer: no spaces, upper case, full-width folded."""
    folded = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in text or "")
    return "".join(folded.split()).upper()


def _rand(low: float, high: float) -> float:
    return low + (high - low) * secrets.randbelow(10_000) / 10_000


def _dark() -> tuple[int, int, int]:
    return (secrets.randbelow(90), secrets.randbelow(90), 40 + secrets.randbelow(110))


def _glyph(char: str, font) -> Image.Image:
    """One character on its own transparent tile, rotated by up to ±28°."""
    left, top, right, bottom = font.getbbox(char, stroke_width=2)
    tile = Image.new("RGBA", (right - left + 8, bottom - top + 8), (0, 0, 0, 0))
    colour = (*_dark(), 255)
    ImageDraw.Draw(tile).text(
        (4 - left, 4 - top), char, font=font, fill=colour, stroke_width=2, stroke_fill=colour
    )
    return tile.rotate(_rand(-28, 28), resample=Image.Resampling.BICUBIC, expand=True)


def _wave(image: Image.Image) -> Image.Image:
    """Shift every column up or down along a random sine: the letters bend."""
    amplitude, period, phase = _rand(2, 3.5), _rand(50, 90), _rand(0, 2 * math.pi)
    out = Image.new("RGB", image.size, (255, 255, 255))
    for x in range(image.width):
        shift = int(amplitude * math.sin(2 * math.pi * x / period + phase))
        column = image.crop((x, 0, x + 1, image.height))
        out.paste(column, (x, shift))
    return out


def render_png(answer: str) -> bytes:
    """The PNG of `answer`: each glyph rotated and jittered, the whole bent, lines and dots on top."""
    font = ImageFont.load_default(size=FONT_SIZE)
    image = Image.new("RGB", (WIDTH, HEIGHT), (245, 244, 238))
    draw = ImageDraw.Draw(image)
    for _ in range(6):  # faint background strokes
        draw.line(
            [(secrets.randbelow(WIDTH), secrets.randbelow(HEIGHT)) for _ in range(2)],
            fill=(170 + secrets.randbelow(60), 170 + secrets.randbelow(60), 170 + secrets.randbelow(60)),
            width=1,
        )
    step = (WIDTH - 20) / len(answer)
    for index, char in enumerate(answer):
        glyph = _glyph(char, font)
        x = int(10 + index * step + _rand(-4, 4))
        room = max(0, HEIGHT - glyph.height - 8)  # keep the glyph clear of the wave's reach
        y = 4 + int(_rand(0, room))
        image.paste(glyph, (x, y), glyph)
    image = _wave(image)
    draw = ImageDraw.Draw(image)
    for _ in range(2):  # strokes across the letters
        points = [(0, secrets.randbelow(HEIGHT)), (WIDTH, secrets.randbelow(HEIGHT))]
        draw.line(points, fill=_dark(), width=2)
    for _ in range(120):
        draw.point((secrets.randbelow(WIDTH), secrets.randbelow(HEIGHT)), fill=_dark())
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
