"""Unpacking a .zip of articles safely: no paths outside the target, no bombs, no links."""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from annotator.formats.errors import FormatError

MAX_TOTAL_BYTES = 2 * 1024**3
MAX_RATIO = 200  # uncompressed / compressed; real text compresses ~5-10x
MAX_MEMBERS = 200_000
#: Longest file or folder name most file systems accept, in bytes.
MAX_NAME_BYTES = 255
_DRIVE = re.compile(r"^[A-Za-z]:")
#: What a damaged or hostile archive raises while it is read.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,  # a compression method Python does not have
    RuntimeError,  # an encrypted member
    ValueError,
    OSError,
)


def _parts(path: Path, member: zipfile.ZipInfo) -> tuple[str, ...]:
    """The member's name as folder parts, refusing anything that could leave the target."""
    raw = member.filename.replace("\\", "/")
    name = PurePosixPath(raw)
    if (
        raw.startswith("/")
        or name.is_absolute()
        or ".." in name.parts
        or (name.parts and _DRIVE.match(name.parts[0]))
    ):
        raise FormatError(path, f"member {member.filename!r} points outside the folder")
    for part in name.parts:
        if len(part.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
            raise FormatError(
                path, f"member {member.filename[:80]!r}...: a name longer than 255 bytes"
            )
    if not name.parts and not member.is_dir():
        raise FormatError(path, f"member {member.filename!r} has no file name")
    return name.parts


def _plan(path: Path, archive: zipfile.ZipFile, root: Path) -> list[tuple[zipfile.ZipInfo, Path]]:
    """Check every member before anything is written; return the files to write and where."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise FormatError(path, f"{len(members)} files in the archive; at most {MAX_MEMBERS}")
    total = 0
    plan: list[tuple[zipfile.ZipInfo, Path]] = []
    files: dict[str, str] = {}  # case-folded path -> the member name that has it
    folders: set[str] = set()
    for member in members:
        parts = _parts(path, member)
        kind = stat.S_IFMT(member.external_attr >> 16)
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise FormatError(path, f"member {member.filename!r} is a link or special file")
        if member.flag_bits & 0x1:
            raise FormatError(
                path, f"member {member.filename!r} is encrypted; unpack the archive yourself"
            )
        destination = (root / Path(*parts)).resolve() if parts else root
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
        folded = [part.casefold() for part in parts]
        folders.update("/".join(folded[:n]) for n in range(1, len(folded)))
        if member.is_dir():
            folders.add("/".join(folded))
            continue
        key = "/".join(folded)
        if key in files:
            raise FormatError(
                path,
                f"member {member.filename!r} is in the archive twice (as {files[key]!r}); "
                "one would overwrite the other",
            )
        files[key] = member.filename
        plan.append((member, destination))
    for key, name in files.items():
        if key in folders:
            raise FormatError(path, f"member {name!r} is both a file and a folder")
    return plan


def extract_zip(path: Path, target: Path) -> list[Path]:
    """Extract ``path`` into ``target``; returns the files written, in archive order.

    Refuses the whole archive (writing nothing) if any member would land outside ``target``
    (``../``, absolute or drive names), is a link, device or encrypted, appears twice, or if the
    sizes look like a zip bomb. A member that turns out damaged while unpacking (bad CRC, bad
    data, larger than declared) also refuses the archive; the caller removes ``target``.
    """
    try:
        archive = zipfile.ZipFile(path)
    except _READ_ERRORS as error:
        raise FormatError(path, f"not a valid .zip archive ({error})") from None
    with archive:
        try:
            plan = _plan(path, archive, target.resolve())
        except (UnicodeError, ValueError, OSError) as error:
            raise FormatError(path, f"not a valid .zip archive ({error})") from None
        written: list[Path] = []
        for member, destination in plan:
            try:
                _write_member(path, archive, member, destination)
            except _READ_ERRORS as error:
                raise FormatError(
                    path, f"member {member.filename!r} cannot be unpacked ({error})"
                ) from None
            written.append(destination)
        return written


def _write_member(
    path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo, destination: Path
) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(member) as source, destination.open("xb") as out:
        remaining = member.file_size + 1
        while chunk := source.read(1 << 20):
            remaining -= len(chunk)
            if remaining < 0:  # the header lied about the size
                raise FormatError(path, f"member {member.filename!r} is larger than declared")
            out.write(chunk)
