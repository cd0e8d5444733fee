"""Build the one-folder application bundle with PyInstaller (Linux, Windows or macOS).

    .venv/bin/python packaging/build.py [--dist DIR] [--work DIR] [--archive]

Needs the packaging extra (``pip install -e ".[packaging]"``). The bundle lands in
``DIR/annotator/`` (default ``dist/``). Optional extras are left out: spaCy always, the HTML
import unless ``--with-html`` (which needs ``annotator[html]`` installed). On Linux,
``install.sh`` is copied beside the executable so the folder installs itself (menu entry,
icons, project-file type). ``--archive`` also writes ``annotator-VERSION-linux-ARCH.tar.gz``
(``.zip`` on Windows and macOS) into ``DIR``.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "annotator.spec"
ICON_FILES = ("annotator.svg", "annotator.ico", "annotator.icns", "annotator-256.png")


def project_metadata() -> tuple[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return str(project["name"]), str(project["version"])


def folder_size(path: Path) -> int:
    """Bytes in the folder's files; symbolic links (PyInstaller makes some) count once."""
    return sum(
        item.stat().st_size for item in path.rglob("*") if item.is_file() and not item.is_symlink()
    )


def build(
    dist: Path,
    work: Path,
    *,
    archive: bool = False,
    quiet: bool = False,
    with_html: bool = False,
) -> Path:
    """Run PyInstaller on the spec; returns the bundle folder."""
    if importlib.util.find_spec("PyInstaller") is None:
        raise SystemExit('PyInstaller is not installed: run `pip install -e ".[packaging]"` first.')
    missing = [name for name in ICON_FILES if not (ROOT / "resources" / "icons" / name).is_file()]
    if missing:
        raise SystemExit(
            f"icons missing ({', '.join(missing)}): run `python packaging/render_icons.py`."
        )
    name, version = project_metadata()
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        str(SPEC),
        "--noconfirm",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        "--log-level",
        "WARN" if quiet else "INFO",
        "--",  # the spec's own options follow
    ]
    if with_html:
        command.append("--with-html")
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    bundle = dist / name
    if sys.platform.startswith("linux"):
        installer = bundle / "install.sh"
        shutil.copy2(HERE / "linux" / "install.sh", installer)
        installer.chmod(0o755)
    elapsed = time.perf_counter() - started
    print(
        f"Built {bundle} ({folder_size(bundle) / 1e6:.0f} MB) in {elapsed:.0f} s.",
        file=sys.stderr,
    )
    if archive:
        print(f"Wrote {make_archive(bundle, name, version)}", file=sys.stderr)
    return bundle


def make_archive(bundle: Path, name: str, version: str) -> Path:
    system = {"linux": "linux", "win32": "windows", "darwin": "macos"}.get(sys.platform, "other")
    base = bundle.parent / f"{name}-{version}-{system}-{platform.machine().lower()}"
    if sys.platform == "darwin":  # the .app next to the folder is what people install
        app = bundle.parent / "Annotator.app"
        return Path(shutil.make_archive(str(base), "zip", bundle.parent, app.name))
    if sys.platform == "win32":
        return Path(shutil.make_archive(str(base), "zip", bundle.parent, bundle.name))
    return Path(shutil.make_archive(str(base), "gztar", bundle.parent, bundle.name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Annotator application bundle.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work")
    parser.add_argument("--archive", action="store_true", help="also write a .tar.gz / .zip")
    parser.add_argument("--quiet", action="store_true", help="only PyInstaller's warnings")
    parser.add_argument(
        "--with-html",
        action="store_true",
        help="bundle the optional HTML import (trafilatura; about +50 MB)",
    )
    args = parser.parse_args(argv)
    build(
        args.dist.resolve(),
        args.work.resolve(),
        archive=args.archive,
        quiet=args.quiet,
        with_html=args.with_html,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
