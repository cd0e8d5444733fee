"""Render the application icon from resources/icons/annotator.svg into every format we ship.

    .venv/bin/python packaging/render_icons.py          # rewrite the files
    .venv/bin/python packaging/render_icons.py --check  # exit 1 if a file is missing

Writes, beside the SVG:
- ``annotator-N.png`` for N in 16 … 512 (Linux hicolor theme, the window icon, the About dialog);
- ``annotator.ico`` (Windows: PNG-compressed entries 16–256, what Windows Vista and later read);
- ``annotator.icns`` (macOS: PNG entries 16–1024, the layout ``iconutil`` writes).

Rendering uses Qt's SVG renderer offscreen, so no ImageMagick or Inkscape is needed and every
machine produces the same pixels for the same Qt version.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "annotator.svg"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (the @2x variants repeat a size).
ICNS_TYPES = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"ic11", 32),
    (b"icp6", 64),
    (b"ic12", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic13", 256),
    (b"ic09", 512),
    (b"ic14", 512),
    (b"ic10", 1024),
)


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    saved = image.save(buffer, "PNG")  # type: ignore[call-overload]  # stubs say bytes; str works
    if not saved:
        raise RuntimeError(f"could not encode a {size}px PNG")
    buffer.close()
    return bytes(data.data())


def build_ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file whose entries are PNG images (sizes up to 256)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    directory = b""
    images = b""
    offset = 6 + 16 * len(sizes)
    for size in sizes:
        data = pngs[size]
        byte_size = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        directory += struct.pack(
            "<BBBBHHII", byte_size, byte_size, 0, 0, 1, 32, len(data), offset + len(images)
        )
        images += data
    return header + directory + images


def build_icns(pngs: dict[int, bytes]) -> bytes:
    body = b""
    for kind, size in ICNS_TYPES:
        data = pngs[size]
        body += kind + struct.pack(">I", 8 + len(data)) + data
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def outputs() -> dict[Path, bytes]:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG}: not a valid SVG")
    sizes = sorted({*PNG_SIZES, *ICO_SIZES, *(size for _, size in ICNS_TYPES)})
    pngs = {size: render_png(renderer, size) for size in sizes}
    del app
    files = {ICONS / f"annotator-{size}.png": pngs[size] for size in PNG_SIZES}
    files[ICONS / "annotator.ico"] = build_ico({size: pngs[size] for size in ICO_SIZES})
    files[ICONS / "annotator.icns"] = build_icns(pngs)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check the files exist")
    args = parser.parse_args(argv)
    files = outputs()
    if args.check:
        missing = [path.name for path in files if not path.is_file()]
        if missing:
            print("missing icons: " + ", ".join(missing), file=sys.stderr)
            return 1
        return 0
    for path, data in files.items():
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ICONS.parent.parent)} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
