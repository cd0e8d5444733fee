"""The application bundle: PyInstaller builds it, and the built app runs like an installed one.

The bundle is built once per session into a tmp dir (about 20–30 s on two cores) by the same
``packaging/build.py`` people run; the tests then start the frozen executable, never the venv's
Python. It needs the packaging extra (PyInstaller): without it the tests fail and say so.
Desktop integration files are checked with desktop-file-validate, appstreamcli and
update-mime-database when those tools are installed; only those checks are skipped otherwise.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import tomllib
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
NAME, VERSION = PROJECT["name"], PROJECT["version"]
APP_ID = "io.github.annotator.Annotator"
LINUX = ROOT / "resources" / "linux"
ICONS = ROOT / "resources" / "icons"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
# Never in the bundle: optional extras (spaCy, HF datasets; HTML unless --with-html) and tools.
# (numpy is in: the agreement metrics and the charts need it.)
FORBIDDEN = (
    "spacy",
    "thinc",
    "torch",
    "pandas",
    "scipy",
    "sklearn",
    "statsmodels",
    "pyarrow",
    "datasets",
    "trafilatura",
    "lxml",
    "babel",
    "pytest",
    "PyInstaller",
    "tkinter",
)
MAX_BUNDLE_MB = 250  # 228 MB in Nov 2026; numpy (agreement, charts) is 44 MB of it

slow = pytest.mark.slow
# The first test also waits for the build (20–30 s on two cores; slower machines need more).
pytestmark = pytest.mark.timeout(600)
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux bundle")


# -- the build, once per session ---------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The one-folder bundle (``…/dist/annotator``), built by packaging/build.py."""
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.fail(
            "PyInstaller is not installed, so the app bundle cannot be built: "
            'install the packaging extra (`pip install -e ".[packaging]"`; `.[dev]` includes it).',
            pytrace=False,
        )
    out = tmp_path_factory.mktemp("bundle")
    command = [
        sys.executable,
        str(ROOT / "packaging" / "build.py"),
        "--dist",
        str(out / "dist"),
        "--work",
        str(out / "work"),
        "--quiet",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=540, cwd=ROOT)
    if result.returncode != 0:
        pytest.fail(f"the bundle build failed:\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}")
    shutil.rmtree(out / "work", ignore_errors=True)  # PyInstaller's intermediate files
    folder = out / "dist" / NAME
    assert (folder / NAME).is_file(), result.stderr[-4000:]
    yield folder
    shutil.rmtree(out, ignore_errors=True)  # 160 MB: do not keep it among pytest's tmp dirs


def app_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean user: own home and XDG folders, no ANNOTATOR_* overrides, offscreen Qt."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ANNOTATOR_", "XDG_", "QT_", "PYTHON"))
    }
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        QT_QPA_PLATFORM="offscreen",
        # rich wraps output at 80 columns when it is not a terminal, long tmp paths included.
        COLUMNS="500",
    )
    env.update(extra)
    return env


def run_app(
    bundle: Path, *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle / NAME), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=timeout,
        cwd=env["HOME"],
    )


def listing(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


def stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGTERM)
    try:
        return process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()


# -- the bundled app ---------------------------------------------------------------------------


@slow
def test_version_is_pyprojects(bundle: Path, tmp_path: Path) -> None:
    result = run_app(bundle, "--version", env=app_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{NAME} {VERSION}"
    helped = run_app(bundle, "--help", env=app_env(tmp_path))
    assert helped.returncode == 0, helped.stderr
    assert "import" in helped.stdout and "export" in helped.stdout


@slow
def test_bundle_holds_the_resources_and_nothing_heavy(bundle: Path) -> None:
    internal = bundle / "_internal"
    resources = internal / NAME / "_resources"
    for part in (
        "schema/news.toml",
        "samples/articles.jsonl",
        "icons/annotator.svg",
        "icons/annotator-256.png",
        f"linux/{APP_ID}.desktop",
        f"linux/{APP_ID}.xml",
        f"linux/{APP_ID}.metainfo.xml",
    ):
        assert (resources / part).is_file(), part
    assert not (resources / "screenshots").exists()  # README pictures stay out
    top_level = {path.name.split(".")[0].split("-")[0].lower() for path in internal.iterdir()}
    bundled = sorted(name for name in FORBIDDEN if name.lower() in top_level)
    assert not bundled, f"optional or development packages in the bundle: {bundled}"
    assert {"numpy", "pyqtgraph"} <= top_level  # agreement metrics, dashboards' charts
    pyside = {path.name.split(".")[0] for path in (internal / "PySide6").iterdir()}
    assert {"QtOpenGL", "QtOpenGLWidgets"} <= pyside  # pyqtgraph imports both
    qt_libs = {path.name for path in (internal / "PySide6" / "Qt" / "lib").iterdir()}
    assert not {lib for lib in qt_libs if "WebEngine" in lib or "Qml" in lib or "Quick" in lib}
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < MAX_BUNDLE_MB * 1e6, f"the bundle grew to {size / 1e6:.0f} MB"


@slow
def test_demo_project_lands_in_the_platforms_data_folder(bundle: Path, tmp_path: Path) -> None:
    before = listing(bundle)
    env = app_env(tmp_path)
    result = run_app(bundle, "demo", "--no-gui", env=env)
    assert result.returncode == 0, result.stderr
    expected = Path(env["XDG_DATA_HOME"]) / "Annotator" / "demo.annotator"
    assert result.stdout.strip() == str(expected)
    header = expected.read_bytes()[:100]
    assert header.startswith(b"SQLite format 3\0") and header[68:72] == b"ANNO"
    stats = run_app(bundle, "stats", str(expected), "--json", env=env)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == 6
    # Nothing is ever written beside the executable.
    assert listing(bundle) == before


def open_window(
    bundle: Path, args: list[str], env: dict[str, str], preferences: Path
) -> tuple[dict[str, object], str, str]:
    """Start the window; once it has opened a project (it saves the preferences then) and has
    run for 5 s, stop it. Returns the saved preferences, stdout and stderr."""
    written = preferences.read_text(encoding="utf-8")
    started = time.monotonic()
    process = subprocess.Popen(
        [str(bundle / NAME), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=env["HOME"],
    )
    try:
        saved = written
        while time.monotonic() - started < 5 or saved == written:
            assert process.poll() is None, f"the app ended early:\n{process.communicate()}"
            assert time.monotonic() - started < 30, "no project was opened in 30 s"
            time.sleep(0.2)
            saved = preferences.read_text(encoding="utf-8")
        assert process.poll() is None
    finally:
        out, err = stop(process)
    assert "Traceback" not in err, err
    return json.loads(saved), out, err


@slow
def test_window_starts_offscreen_with_the_demo_project(bundle: Path, tmp_path: Path) -> None:
    data, config, home = tmp_path / "data", tmp_path / "config", tmp_path / "home"
    config.mkdir()
    home.mkdir()
    preferences = config / "preferences.json"
    preferences.write_text('{"annotator_name": "ci"}', encoding="utf-8")  # no name prompt
    env = app_env(home, ANNOTATOR_DATA_DIR=str(data), ANNOTATOR_CONFIG_DIR=str(config))
    before = listing(bundle)
    demo = data / "demo.annotator"

    saved, out, _ = open_window(bundle, ["demo"], env, preferences)
    assert out.strip() == str(demo) and demo.is_file()
    # The window opened the demo project and remembers it for the next start.
    assert saved["last_project"] == str(demo.resolve())

    # The next start without a project (the menu entry with no file) opens the last one
    # rather than asking: the preferences are saved again only once a project is open.
    preferences.write_text(
        json.dumps({"annotator_name": "ci", "last_project": str(demo.resolve())}),
        encoding="utf-8",
    )
    saved, _, _ = open_window(bundle, ["gui"], env, preferences)
    assert saved["last_project"] == str(demo.resolve())
    assert listing(bundle) == before


@slow
def test_bundled_app_imports_and_exports_jsonl(bundle: Path, tmp_path: Path) -> None:
    env = app_env(tmp_path)
    project = tmp_path / "study.annotator"
    articles = [
        {
            "title": "Council vote",
            "text": "The council voted on Monday.\nMayor Ana Ruiz said, “We are ready.”",
        },
        {"title": "서울 소식", "text": "서울디지털재단 posted 👩‍💻🚀 and 🇰🇷 today."},
        {"title": "Port strike", "text": "Dock workers walked out in Hamburg."},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in articles),
        encoding="utf-8",
    )
    created = run_app(bundle, "init", str(project), env=env)
    assert created.returncode == 0, created.stderr
    imported = run_app(bundle, "import", str(project), str(source), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "Imported 3 article" in imported.stdout
    again = run_app(bundle, "import", str(project), str(source), env=env)
    assert again.returncode == 0, again.stderr
    assert "Imported 0 article" in again.stdout  # the same texts again are duplicates
    assert _article_count(bundle, project, env) == 3

    exported = tmp_path / "out.jsonl"
    result = run_app(
        bundle, "export", str(project), "--format", "jsonl", "--out", str(exported), env=env
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    header, records = lines[0], lines[1:]
    assert header["format"] == "annotator-jsonl" and header["version"] == 1
    assert [entity["name"] for entity in header["schema"]["entity_types"]][:3] == [
        "PER",
        "ORG",
        "GPE",
    ]
    assert sorted(r["article"]["text"] for r in records) == sorted(a["text"] for a in articles)
    assert sorted(r["article"]["title"] for r in records) == sorted(a["title"] for a in articles)

    # The export is the lossless native format: it imports into a new project as it was.
    copy = tmp_path / "copy.annotator"
    assert run_app(bundle, "init", str(copy), env=env).returncode == 0
    round_trip = run_app(bundle, "import", str(copy), str(exported), env=env)
    assert round_trip.returncode == 0, round_trip.stderr
    assert _article_count(bundle, copy, env) == 3


def _article_count(bundle: Path, project: Path, env: dict[str, str]) -> int:
    result = run_app(bundle, "stats", str(project), "--json", env=env)
    assert result.returncode == 0, result.stderr
    return int(json.loads(result.stdout)["articles"])


@slow
def test_mistakes_end_in_one_sentence(bundle: Path, tmp_path: Path) -> None:
    env = app_env(tmp_path)
    result = run_app(bundle, "import", str(tmp_path / "nope.annotator"), "x.jsonl", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("annotator: ")
    assert "Traceback" not in result.stderr


@slow
@linux_only
def test_install_script_registers_app_icons_and_project_type(bundle: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix with space"
    env = app_env(tmp_path / "home")
    (tmp_path / "home").mkdir()
    result = subprocess.run(
        ["bash", str(bundle / "install.sh"), "--prefix", str(prefix)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    share = prefix / "share"
    desktop = share / "applications" / f"{APP_ID}.desktop"
    exec_line = next(
        line
        for line in desktop.read_text(encoding="utf-8").splitlines()
        if line.startswith("Exec=")
    )
    assert exec_line == f'Exec="{prefix}/lib/annotator/annotator" gui %f'
    for size in PNG_SIZES:
        assert (share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert (share / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    linked = subprocess.run(
        [str(prefix / "bin" / "annotator"), "--version"], capture_output=True, text=True, env=env
    )
    assert linked.stdout.strip() == f"{NAME} {VERSION}"
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    if shutil.which("update-mime-database"):
        assert (share / "mime" / "mime.cache").is_file()
        _check_mime_detection(bundle, share, tmp_path, env)

    removed = subprocess.run(
        ["bash", str(bundle / "install.sh"), "--uninstall", "--prefix", str(prefix)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert removed.returncode == 0, removed.stdout + removed.stderr
    assert not desktop.exists() and not (prefix / "lib" / "annotator").exists()
    assert not (prefix / "bin" / "annotator").exists()


def _check_mime_detection(bundle: Path, share: Path, tmp_path: Path, env: dict[str, str]) -> None:
    """Qt's MIME database (it reads shared-mime-info) knows a project by name and by content."""
    project = tmp_path / "p.annotator"
    assert run_app(bundle, "init", str(project), env=env).returncode == 0
    renamed = tmp_path / "renamed-project"
    shutil.copyfile(project, renamed)
    plain = tmp_path / "plain-database"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.close()
    script = (
        "import sys\n"
        "from PySide6.QtCore import QMimeDatabase\n"
        "db = QMimeDatabase()\n"
        "for path in sys.argv[1:]:\n"
        "    print(db.mimeTypeForFile(path).name())\n"
    )
    mime_env = dict(env, XDG_DATA_HOME=str(share), XDG_DATA_DIRS=f"{share}:/usr/share")
    found = subprocess.run(
        [sys.executable, "-c", script, str(project), str(renamed), str(plain)],
        capture_output=True,
        text=True,
        env=mime_env,
        timeout=60,
    )
    assert found.returncode == 0, found.stderr
    by_name, by_content, other = found.stdout.split()
    assert by_name == by_content == "application/x-annotator-project"
    assert other != "application/x-annotator-project"


# -- the desktop integration files (no build needed) -------------------------------------------


def test_desktop_entry_is_valid() -> None:
    desktop = LINUX / f"{APP_ID}.desktop"
    text = desktop.read_text(encoding="utf-8")
    assert "Exec=annotator gui %f" in text
    assert "MimeType=application/x-annotator-project;" in text
    assert f"Icon={APP_ID}" in text
    if not shutil.which("desktop-file-validate"):
        pytest.skip("desktop-file-validate is not installed (Debian: desktop-file-utils)")
    result = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_appstream_metainfo_is_valid_and_current() -> None:
    metainfo = LINUX / f"{APP_ID}.metainfo.xml"
    root = ElementTree.parse(metainfo).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("project_license") == PROJECT["license"]
    releases = root.findall("releases/release")
    assert releases and releases[0].get("version") == VERSION, "add the release to the metainfo"
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    if not shutil.which("appstreamcli"):
        pytest.skip("appstreamcli is not installed (Debian: appstream)")
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(metainfo)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mime_type_matches_the_project_file_header(tmp_path: Path) -> None:
    namespace = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ElementTree.parse(LINUX / f"{APP_ID}.xml").getroot()
    mime = root.find("m:mime-type", namespace)
    assert mime is not None and mime.get("type") == "application/x-annotator-project"
    glob = mime.find("m:glob", namespace)
    assert glob is not None and glob.get("pattern") == "*.annotator"
    outer = mime.find("m:magic/m:match", namespace)
    assert outer is not None
    inner = outer.find("m:match", namespace)
    assert inner is not None
    assert (outer.get("value"), outer.get("offset")) == ("SQLite format 3", "0")
    assert (inner.get("value"), inner.get("offset")) == ("ANNO", "68")
    # The rule describes what the app writes: application_id "ANNO" at byte 68.
    from annotator.domain.schema import default_schema
    from annotator.storage.project import Project

    path = tmp_path / "check.annotator"
    with Project.create(path, schema=default_schema()):
        pass
    assert path.read_bytes()[68:72] == b"ANNO"
    if not shutil.which("update-mime-database"):
        pytest.skip("update-mime-database is not installed (Debian: shared-mime-info)")
    packages = tmp_path / "mime" / "packages"
    packages.mkdir(parents=True)
    shutil.copy(LINUX / f"{APP_ID}.xml", packages)
    result = subprocess.run(
        ["update-mime-database", str(tmp_path / "mime")], capture_output=True, text=True
    )
    assert result.returncode == 0 and "rror" not in result.stderr, result.stderr


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_icons_exist_in_every_size_and_format() -> None:
    ElementTree.parse(ICONS / "annotator.svg")
    for size in PNG_SIZES:
        assert _png_size(ICONS / f"annotator-{size}.png") == (size, size)
    ico = (ICONS / "annotator.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    sizes = {ico[6 + 16 * n] or 256 for n in range(count)}
    assert {16, 32, 48, 256} <= sizes
    icns = (ICONS / "annotator.icns").read_bytes()
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert b"ic10" in icns and b"ic07" in icns  # 1024 and 128 pixels


def _entry_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("annotator_entry", ROOT / "packaging/entry.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gui_executables_open_the_window_by_default() -> None:
    command_line = _entry_module().command_line
    assert command_line([], window_by_default=True) == ["gui"]
    assert command_line(["p.annotator"], window_by_default=True) == ["gui", "p.annotator"]
    assert command_line(["-psn_0_1234", "p.annotator"], window_by_default=True) == [
        "gui",
        "p.annotator",
    ]
    assert command_line(["--version"], window_by_default=True) == ["--version"]
    assert command_line(["import", "p", "f"], window_by_default=True) == ["import", "p", "f"]
    assert command_line(["demo"], window_by_default=True) == ["demo"]
    assert command_line([], window_by_default=False) == []
