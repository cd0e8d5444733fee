"""The worker process of an export, and how this program talks to it.

The worker is ``python -m annotator.services.export_worker``: a fresh interpreter (nothing of
this process, its threads or a GUI is copied) that opens the project read-only and renders
the blocks of documents it is sent (``export_parallel``). Both directions are frames of plain
data, never pickles: a 4-byte length, a JSON header (orjson) naming the lengths of the binary
parts that follow, then those parts (texts, token rows). A frame that does not decode stops
the worker, and the export goes on in one process.

Frames to the worker: first ``{"path", "fmt", "options"}``, then ``{"id", "specs"}`` per block;
end of input stops it. Frames back: ``{"id", "result"}`` (the renderer's ``to_wire``) or
``{"id", "error"}``; a block the worker could not render is rendered again by the exporting
process, which raises the error there if it is one.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

import orjson

from annotator.formats.export_types import ExportOptions

_LENGTH = struct.Struct(">I")
#: Frames larger than this are refused as damaged (a block is a few MB).
MAX_FRAME = 1 << 30
#: Seconds a worker gets to stop after its input ends before it is killed.
STOP_TIMEOUT = 10.0

Wire = tuple[dict[str, Any], list[bytes]]


class WorkerGoneError(Exception):
    """The worker stopped, could not start, or could not render a block."""


def write_frame(stream: IO[bytes], header: dict[str, Any], parts: list[bytes]) -> None:
    head = orjson.dumps({**header, "parts": [len(part) for part in parts]})
    stream.write(_LENGTH.pack(len(head)))
    stream.write(head)
    for part in parts:
        stream.write(part)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Wire | None:
    """The next frame, or None at the end of the stream; ``WorkerGoneError`` if it is cut short
    or not a frame."""
    raw = stream.read(_LENGTH.size)
    if not raw:
        return None
    if len(raw) < _LENGTH.size:
        raise WorkerGoneError("a frame was cut short")
    (length,) = _LENGTH.unpack(raw)
    if length > MAX_FRAME:
        raise WorkerGoneError(f"a frame header of {length} bytes")
    try:
        header = orjson.loads(_read_exactly(stream, length))
        sizes = header.pop("parts")
        if sum(sizes) > MAX_FRAME:
            raise WorkerGoneError("a frame too large")
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as error:
        raise WorkerGoneError(f"not a frame: {error}") from None
    return header, [_read_exactly(stream, int(size)) for size in sizes]


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise WorkerGoneError("a frame was cut short")
    return bytes(data)


def options_to_wire(options: ExportOptions) -> dict[str, Any]:
    fields = asdict(options)
    fields["layers"] = sorted(options.layers)
    return fields


def options_from_wire(fields: dict[str, Any]) -> ExportOptions:
    return ExportOptions(**{**fields, "layers": frozenset(fields["layers"])})


class WorkerProcess:
    """A started worker: ``submit`` sends a block and returns a ``Future`` of its result frame
    (for the renderer's ``from_wire``); a reader thread collects the frames. Every future still
    open when the worker stops fails with ``WorkerGoneError``."""

    def __init__(
        self, path: Path, fmt: str, options: ExportOptions, *, command: list[str] | None = None
    ) -> None:
        """Start the worker (``command``: another program speaking the same frames)."""
        self._pending: dict[int, Future[Wire]] = {}
        self._lock = threading.Lock()
        self._next = 0
        self._gone = False
        #: Blocks the worker has rendered.
        self.answered = 0
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self._process = subprocess.Popen(
            command or [sys.executable, "-m", "annotator.services.export_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._input: IO[bytes] = self._process.stdin
        self._output: IO[bytes] = self._process.stdout
        self._reader = threading.Thread(target=self._read, name="export-worker", daemon=True)
        self._reader.start()
        try:
            self._send({"path": str(path), "fmt": fmt, "options": options_to_wire(options)}, [])
        except WorkerGoneError:  # it stopped at once: reaped, not left behind
            self.shutdown()
            raise

    def submit(self, specs: list[Any]) -> Future[Wire]:
        """Send one block; ``WorkerGoneError`` if the worker has stopped."""
        future: Future[Wire] = Future()
        with self._lock:
            if self._gone:
                raise WorkerGoneError("the worker has stopped")
            block_id = self._next
            self._next += 1
            self._pending[block_id] = future
        self._send({"id": block_id, "specs": specs}, [])
        return future

    def _send(self, header: dict[str, Any], parts: list[bytes]) -> None:
        try:
            write_frame(self._input, header, parts)
        except (OSError, ValueError):  # the worker is gone (broken pipe) or stopped
            self._fail("the worker has stopped")
            raise WorkerGoneError("the worker has stopped") from None

    def _read(self) -> None:
        try:
            while (frame := read_frame(self._output)) is not None:
                header, parts = frame
                with self._lock:
                    future = self._pending.pop(int(header["id"]), None)
                if future is None:  # a worker that lost count: trust none of its frames
                    break
                if "error" in header:
                    future.set_exception(WorkerGoneError(str(header["error"])))
                else:
                    self.answered += 1
                    future.set_result((header["result"], parts))
        except (WorkerGoneError, OSError, ValueError, KeyError, TypeError):
            pass
        self._fail("the worker has stopped")

    def _fail(self, why: str) -> None:
        with self._lock:
            self._gone = True
            pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(WorkerGoneError(why))

    def shutdown(self) -> None:
        """Stop the worker (its input ends; killed if it does not stop) and wait for it."""
        with suppress(OSError):
            self._input.close()
        try:
            self._process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._reader.join()
        self._output.close()
        self._fail("the worker has stopped")


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The worker's loop: open the project named by the first frame, then render each block
    until the input ends."""
    from annotator.services import export_parallel
    from annotator.storage.database import SCAN_CACHE_KIB
    from annotator.storage.project import Project

    first = read_frame(stdin)
    if first is None:
        return
    setup = first[0]
    project = Project.open(Path(setup["path"]), read_only=True)
    project.database.set_cache(SCAN_CACHE_KIB)  # it reads each page once
    fmt = str(setup["fmt"])
    renderer = export_parallel.make_renderer(fmt, options_from_wire(setup["options"]))
    with project:
        while (frame := read_frame(stdin)) is not None:
            block_id = frame[0]["id"]
            try:
                result = export_parallel.render_block(project, renderer, fmt, frame[0]["specs"])
                header, parts = renderer.to_wire(result)
            except Exception as error:  # rendered again, and raised, by the exporting process
                why = f"{type(error).__name__}: {error}"
                write_frame(stdout, {"id": block_id, "error": why}, [])
                continue
            write_frame(stdout, {"id": block_id, "result": header}, parts)


def main() -> None:
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed by accident must not land among the frames
    serve(sys.stdin.buffer, out)


if __name__ == "__main__":
    main()
