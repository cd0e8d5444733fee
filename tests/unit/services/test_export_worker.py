"""The export worker's frames, and workers that misbehave: every block they do not render
properly is rendered by the exporting process, and the export is the same."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.formats.export_types import ExportOptions
from annotator.services import export_parallel
from annotator.services.export_worker import (
    WorkerGoneError,
    WorkerProcess,
    options_from_wire,
    options_to_wire,
    read_frame,
    write_frame,
)
from annotator.storage.project import Project
from tests.unit.services.test_export_parallel import (  # noqa: F401
    alone_then_tiny_blocks,
    contents,
    corpus,
    export,
)

pytest.importorskip("spacy")


def test_frames_round_trip_bytes_and_headers() -> None:
    stream = io.BytesIO()
    write_frame(stream, {"id": 3, "result": {"n": 2**64 - 1, "s": "é😀"}}, [b"\x00\xff", b""])
    write_frame(stream, {"id": 4}, [])
    stream.seek(0)
    assert read_frame(stream) == (
        {"id": 3, "result": {"n": 2**64 - 1, "s": "é😀"}},
        [b"\x00\xff", b""],
    )
    assert read_frame(stream) == ({"id": 4}, [])
    assert read_frame(stream) is None


@pytest.mark.parametrize(
    "damaged",
    [
        b"\x00\x00",  # a length cut short
        struct.pack(">I", 10) + b'{"id": 1',  # a header cut short
        struct.pack(">I", 5) + b"hello",  # not JSON
        struct.pack(">I", 9) + b'{"id": 1}',  # no parts
        struct.pack(">I", 2**31),  # a header of 2 GB
        struct.pack(">I", 20) + b'{"parts": [4000000]}',  # a part cut short
        struct.pack(">I", 20) + b'{"parts": [2e+100]}',  # not a length
    ],
)
def test_a_damaged_frame_is_refused(damaged: bytes) -> None:
    with pytest.raises(WorkerGoneError):
        read_frame(io.BytesIO(damaged))


def test_options_travel_as_plain_data() -> None:
    options = ExportOptions(
        layers=frozenset({"quotes"}), tag_layer="cues", scheme="bioes", align="drop", lang="de"
    )
    assert options_from_wire(options_to_wire(options)) == options


#: Workers that misbehave, each in its own way (Python, no project code).
_FRAMES = """
import json, struct, sys
stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
def frame():
    raw = stdin.read(4)
    if len(raw) < 4:
        return None
    header = json.loads(stdin.read(struct.unpack(">I", raw)[0]))
    for size in header.pop("parts"):
        stdin.read(size)
    return header
def send(header):
    data = json.dumps({**header, "parts": []}).encode()
    stdout.write(struct.pack(">I", len(data)) + data)
    stdout.flush()
frame()  # the setup
"""
MISBEHAVING = {
    "errors": _FRAMES + "while (f := frame()) is not None: send({'id': f['id'], 'error': 'boom'})",
    "garbage": _FRAMES + "frame(); stdout.write(b'\\x00\\x00\\x00\\x05hello'); stdout.flush()",
    "empty results": _FRAMES
    + "while (f := frame()) is not None: send({'id': f['id'], 'result': {}})",
    "dies": _FRAMES + "frame(); sys.exit(3)",
    "silent until its input ends": _FRAMES + "while frame() is not None: pass",
    "unknown ids": _FRAMES + "while (f := frame()) is not None: send({'id': f['id'] + 100})",
}


@pytest.mark.parametrize("fmt", ["conll", "spacy"])
@pytest.mark.parametrize("how", sorted(MISBEHAVING))
def test_a_misbehaving_worker_changes_nothing(
    corpus: Project,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
    how: str,
) -> None:
    alone = alone_then_tiny_blocks(corpus, fmt, tmp_path, monkeypatch)
    started: list[WorkerProcess] = []

    def misbehaving(path: Path, fmt: str, options: ExportOptions) -> WorkerProcess:
        worker = WorkerProcess(path, fmt, options, command=[sys.executable, "-c", MISBEHAVING[how]])
        started.append(worker)
        return worker

    monkeypatch.setattr(export_parallel, "WorkerProcess", misbehaving)
    if how == "silent until its input ends":
        monkeypatch.setattr(export_parallel, "BLOCK_TIMEOUT", 0.5)
        monkeypatch.setattr("annotator.services.export_worker.STOP_TIMEOUT", 0.5)
    assert export(corpus, fmt, tmp_path / "here", worker=True) == alone
    assert contents(tmp_path / "here") == contents(tmp_path / "alone")
    assert len(started) == 1


def test_a_worker_that_cannot_take_its_setup_is_reaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starting fails (its input is already broken) and no process is left behind."""
    from annotator.services import export_worker

    started: list[subprocess.Popen[bytes]] = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):  # type: ignore[no-untyped-def]
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    def broken(*_args: object) -> None:
        raise BrokenPipeError("the worker is gone")

    monkeypatch.setattr(export_worker.subprocess, "Popen", popen)
    monkeypatch.setattr(export_worker, "write_frame", broken)
    monkeypatch.setattr(export_worker, "STOP_TIMEOUT", 0.2)
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    with pytest.raises(WorkerGoneError):
        WorkerProcess(tmp_path / "p.annotator", "conll", ExportOptions(), command=sleeper)
    (process,) = started
    assert process.returncode is not None  # waited for (killed: it did not stop by itself)
