"""Unpacking a .zip of articles safely: no paths outside the target, no bombs, no links."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from annotator.formats.errors import FormatError

MAX_TOTAL_BYTES = 2 * 1024**3
MAX_RATIO = 200  # uncompressed / compressed; real text compresses ~5-10x
MAX_MEMBERS = 200_000


def extract_zip(path: Path, target: Path) -> list[Path]:
    """Extract ``path`` into ``target``; returns the files written, in archive order.

    Refuses the whole archive (writing nothing) if any member would land outside ``target``
    (``../`` or absolute names), is a link or device, or if the sizes look like a zip bomb.
    """
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise FormatError(path, "not a valid .zip archive") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise FormatError(path, f"{len(members)} files in the archive; at most {MAX_MEMBERS}")
        total = 0
        plan: list[tuple[zipfile.ZipInfo, Path]] = []
        root = target.resolve()
        for member in members:
            name = PurePosixPath(member.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or member.filename.startswith("/"):
                raise FormatError(path, f"member {member.filename!r} points outside the folder")
            kind = stat.S_IFMT(member.external_attr >> 16)
            if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                raise FormatError(path, f"member {member.filename!r} is a link or special file")
            destination = (root / Path(*name.parts)).resolve()
            if root not in destination.parents and destination != root:
                raise FormatError(path, f"member {member.filename!r} points outside the folder")
            total += member.file_size
            if total > MAX_TOTAL_BYTES:
                raise FormatError(path, "more than 2 GB uncompressed; split the archive")
            if member.compress_size and member.file_size / member.compress_size > MAX_RATIO:
                raise FormatError(
                    path,
                    f"member {member.filename!r} expands {MAX_RATIO}-fold or more (a zip bomb?)",
                )
            if not member.is_dir():
                plan.append((member, destination))
        written: list[Path] = []
        for member, destination in plan:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source, destination.open("wb") as out:
                remaining = member.file_size + 1
                while chunk := source.read(1 << 20):
                    remaining -= len(chunk)
                    if remaining < 0:  # the header lied about the size
                        raise FormatError(
                            path, f"member {member.filename!r} is larger than declared"
                        )
                    out.write(chunk)
            written.append(destination)
        return written
