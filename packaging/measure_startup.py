"""Measure the built bundle: its size, and how long it takes to start.

    .venv/bin/python packaging/measure_startup.py [dist/annotator] [--runs 5]

- size: the one-folder bundle's files (symbolic links counted once);
- ``--version``, cold: the bundle's files are evicted from the page cache before each run
  (``posix_fadvise(DONTNEED)``; no root needed; system libraries such as libc stay cached);
- ``--version``, warm: the same again without eviction;
- the window: with an X display (``DISPLAY``, e.g. Xvfb) and ``xdotool``, the time from launch
  of ``annotator demo`` until its main window is mapped, cold and warm.

Medians and ranges are printed; the machine's other load shows up in the ranges.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def evict(folder: Path) -> None:
    """Drop the folder's files from the page cache, so the next start reads them from disk."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            descriptor = os.open(path, os.O_RDONLY)
            try:
                os.fdatasync(descriptor)
                os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(descriptor)


def time_version(executable: Path, *, cold: bool) -> float:
    if cold:
        evict(executable.parent)
    started = time.perf_counter()
    subprocess.run([str(executable), "--version"], check=True, capture_output=True)
    return time.perf_counter() - started


def time_window(executable: Path, *, cold: bool) -> float:
    """Seconds until ``annotator demo``'s main window is mapped on the X display."""
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config"
        config.mkdir()
        (config / "preferences.json").write_text(json.dumps({"annotator_name": "timing"}))
        env = dict(
            os.environ,
            ANNOTATOR_DATA_DIR=str(Path(folder) / "data"),
            ANNOTATOR_CONFIG_DIR=str(config),
        )
        env.pop("QT_QPA_PLATFORM", None)
        subprocess.run([str(executable), "demo", "--no-gui"], env=env, capture_output=True)
        if cold:
            evict(executable.parent)
        errors = Path(folder) / "stderr.txt"
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(executable), "demo"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors.open("wb"),
        )
        try:
            while True:
                found = subprocess.run(
                    ["xdotool", "search", "--onlyvisible", "--name", "— timing — Annotator"],
                    capture_output=True,
                )
                if found.returncode == 0 and found.stdout.strip():
                    return time.perf_counter() - started
                if process.poll() is not None or time.perf_counter() - started > 60:
                    detail = errors.read_text(errors="replace")[-2000:]
                    raise RuntimeError(
                        f"the window did not appear (exit {process.poll()}):\n{detail}"
                    )
                time.sleep(0.01)
        finally:
            process.terminate()
            process.wait(timeout=15)


def summary(label: str, seconds: list[float]) -> str:
    median = statistics.median(seconds)
    return (
        f"{label}: median {median * 1000:.0f} ms "
        f"(range {min(seconds) * 1000:.0f}–{max(seconds) * 1000:.0f} ms, {len(seconds)} runs)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Bundle size and start-up time.")
    parser.add_argument("bundle", type=Path, nargs="?", default=ROOT / "dist" / "annotator")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    executable = args.bundle / ("annotator.exe" if sys.platform == "win32" else "annotator")
    if not executable.is_file():
        print(f"no bundle at {args.bundle}: run packaging/build.py first", file=sys.stderr)
        return 1
    size = sum(
        p.stat().st_size for p in args.bundle.rglob("*") if p.is_file() and not p.is_symlink()
    )
    files = sum(1 for p in args.bundle.rglob("*") if p.is_file())
    print(f"bundle: {size / 1e6:.0f} MB ({size / 2**20:.0f} MiB) in {files} files")
    cold = [time_version(executable, cold=True) for _ in range(args.runs)]
    print(summary("--version, cold", cold))
    time_version(executable, cold=False)
    warm = [time_version(executable, cold=False) for _ in range(args.runs)]
    print(summary("--version, warm", warm))
    if os.environ.get("DISPLAY") and shutil.which("xdotool"):
        # Xvfb resets when its last client leaves and refuses connections meanwhile: one
        # client that waits for a window that never comes holds it open between the runs.
        keeper = subprocess.Popen(
            ["xdotool", "search", "--sync", "--name", f"no such window {os.getpid()}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(0.5)
            cold = [time_window(executable, cold=True) for _ in range(args.runs)]
            print(summary("demo window mapped, cold", cold))
            warm = [time_window(executable, cold=False) for _ in range(args.runs)]
            print(summary("demo window mapped, warm", warm))
        finally:
            keeper.terminate()
            keeper.wait()
    else:
        print("window: skipped (needs DISPLAY, e.g. Xvfb, and xdotool)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
