"""Draw Tend's icons as PNG files, with only the standard library.

The install-sheet screenshots are photographs of the real app: see render_screenshots.py.

Run ``python pwa/tools/make_images.py`` after changing a colour or a shape; the
PNGs it writes are committed, so the app itself never needs this script.

Shapes are signed distance functions (negative inside), which gives smooth,
anti-aliased edges at any size without a drawing library.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

PWA = Path(__file__).resolve().parent.parent

RGBA = tuple[int, int, int, int]
Shape = Callable[[float, float], float]

TEAL = (35, 94, 84, 255)
CREAM = (250, 246, 236, 255)
LEAF = (148, 205, 170, 255)
WHITE = (255, 255, 255, 255)


# --- PNG encoding ---------------------------------------------------------------------


def png_bytes(width: int, height: int, pixels: bytearray) -> bytes:
    """Encode RGBA pixels (row-major, 4 bytes each) as a PNG file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    stride = width * 4
    raw = bytearray()
    for row in range(height):
        raw.append(0)  # filter type "None" for every row
        raw += pixels[row * stride : (row + 1) * stride]
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


# --- Shapes as signed distance functions ----------------------------------------------


def circle(cx: float, cy: float, r: float) -> Shape:
    """A disc centred on (cx, cy)."""
    return lambda x, y: math.hypot(x - cx, y - cy) - r


def rounded_rect(x0: float, y0: float, x1: float, y1: float, r: float) -> Shape:
    """An axis-aligned rectangle with rounded corners."""
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hx, hy = (x1 - x0) / 2 - r, (y1 - y0) / 2 - r

    def distance(x: float, y: float) -> float:
        qx, qy = abs(x - cx) - hx, abs(y - cy) - hy
        outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
        return outside + min(max(qx, qy), 0.0) - r

    return distance


def capsule(ax: float, ay: float, bx: float, by: float, r: float) -> Shape:
    """A thick line from a to b with round ends."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy or 1.0

    def distance(x: float, y: float) -> float:
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length2))
        return math.hypot(x - ax - t * dx, y - ay - t * dy) - r

    return distance


def leaf(bx: float, by: float, tx: float, ty: float, width: float) -> Shape:
    """A pointed leaf from base (bx, by) to tip (tx, ty): the lens where two discs overlap."""
    length = math.hypot(tx - bx, ty - by)
    half = length / 2
    # Radius of two circles whose lens is `length` long and `width` wide.
    radius = (half * half + (width / 2) ** 2) / width
    offset = radius - width / 2
    mx, my = (bx + tx) / 2, (by + ty) / 2
    nx, ny = -(ty - by) / length, (tx - bx) / length
    first = circle(mx + nx * offset, my + ny * offset, radius)
    second = circle(mx - nx * offset, my - ny * offset, radius)
    return lambda x, y: max(first(x, y), second(x, y))


def union(*shapes: Shape) -> Shape:
    """Everything inside any of the shapes."""
    return lambda x, y: min(shape(x, y) for shape in shapes)


# --- Canvas ---------------------------------------------------------------------------


class Canvas:
    """An RGBA image that shapes are painted onto with anti-aliased edges."""

    def __init__(self, width: int, height: int, background: RGBA = (0, 0, 0, 0)) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(background) * (width * height))

    def paint(self, shape: Shape, colour: RGBA, box: tuple[int, int, int, int] | None = None):
        """Blend ``colour`` over every pixel the shape covers (``box`` limits the work)."""
        x0, y0, x1, y1 = box or (0, 0, self.width, self.height)
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(self.width, x1), min(self.height, y1)
        for py in range(y0, y1):
            for px in range(x0, x1):
                coverage = min(1.0, max(0.0, 0.5 - shape(px + 0.5, py + 0.5)))
                if coverage > 0:
                    self._blend(px, py, colour, coverage)

    def _blend(self, px: int, py: int, colour: RGBA, coverage: float) -> None:
        i = (py * self.width + px) * 4
        alpha = colour[3] / 255 * coverage
        old_alpha = self.pixels[i + 3] / 255
        out_alpha = alpha + old_alpha * (1 - alpha)
        for c in range(3):
            old = self.pixels[i + c] * old_alpha * (1 - alpha)
            value = (colour[c] * alpha + old) / out_alpha if out_alpha else 0
            self.pixels[i + c] = round(value)
        self.pixels[i + 3] = round(out_alpha * 255)

    def save(self, path: Path) -> None:
        """Write the canvas as a PNG file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png_bytes(self.width, self.height, self.pixels))


# --- Tend's pictures ------------------------------------------------------------------


def sprout(cx: float, cy: float, size: float) -> list[Shape]:
    """The sprout mark: a stem and two leaves, centred on (cx, cy), ``size`` tall."""
    s = size / 100
    stem = capsule(cx, cy + 38 * s, cx, cy - 6 * s, 5 * s)
    left = leaf(cx - 2 * s, cy + 2 * s, cx - 42 * s, cy - 30 * s, 26 * s)
    right = leaf(cx + 2 * s, cy - 8 * s, cx + 40 * s, cy - 44 * s, 24 * s)
    return [stem, left, right]


def draw_icon(size: int, *, maskable: bool) -> Canvas:
    """The app icon; the maskable one is full-bleed with the mark inside the safe zone."""
    canvas = Canvas(size, size)
    if maskable:
        canvas.paint(rounded_rect(0, 0, size, size, 0.001), TEAL)
        mark = size * 0.5
    else:
        canvas.paint(rounded_rect(0, 0, size, size, size * 0.22), TEAL)
        mark = size * 0.66
    canvas.paint(circle(size / 2, size / 2, mark * 0.62), (48, 116, 104, 255))
    stem, left, right = sprout(size / 2, size / 2, mark)
    canvas.paint(stem, CREAM)
    canvas.paint(left, LEAF)
    canvas.paint(right, CREAM)
    return canvas


def draw_badge(size: int) -> Canvas:
    """The monochrome badge Android shows in the status bar (only alpha counts)."""
    canvas = Canvas(size, size)
    canvas.paint(union(*sprout(size / 2, size / 2, size * 0.9)), WHITE)
    return canvas


def draw_now_shortcut(size: int) -> Canvas:
    """The "Need a moment?" shortcut: a calm breathing circle, a ring around a dot."""
    canvas = Canvas(size, size)
    canvas.paint(rounded_rect(0, 0, size, size, size * 0.22), TEAL)
    middle = size / 2
    outer, inner = circle(middle, middle, size * 0.34), circle(middle, middle, size * 0.27)
    canvas.paint(lambda x, y: max(outer(x, y), -inner(x, y)), LEAF)
    canvas.paint(circle(middle, middle, size * 0.17), CREAM)
    return canvas


def main() -> None:
    """Write every PNG the manifest and index.html refer to."""
    icons = PWA / "icons"
    draw_icon(192, maskable=False).save(icons / "icon-192.png")
    draw_icon(512, maskable=False).save(icons / "icon-512.png")
    draw_icon(512, maskable=True).save(icons / "icon-maskable-512.png")
    draw_icon(180, maskable=True).save(icons / "apple-touch-icon.png")
    draw_icon(32, maskable=False).save(icons / "favicon-32.png")
    draw_badge(96).save(icons / "badge-96.png")
    draw_now_shortcut(96).save(icons / "now-96.png")


if __name__ == "__main__":
    main()
