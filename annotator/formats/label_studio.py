"""Label Studio JSON exports: a JSON array of tasks, each with its annotations.

```
[{"id": 7, "data": {"text": "...", "title": "..."},
  "annotations": [{"id": 3, "completed_by": {"email": "ann@x"}, "was_cancelled": false,
                   "result": [{"id": "e1", "from_name": "label", "type": "labels",
                               "value": {"start": 0, "end": 5, "text": "Putin",
                                         "labels": ["PER"]}}, ...]}],
  "predictions": [...]}]
```

One ``ForeignDocument`` per (task, annotation), annotator = ``completed_by`` (its email, else its
username, else its id, as a string). Result items:

* ``labels`` -> one span per label, all with the result's id;
* ``relation`` -> ``ForeignRelation(first label or "", from_id, to_id)``; direction ``left``
  swaps head and tail, ``bi`` keeps them (with a warning);
* ``choices`` -> ``choices[from_name]``; ``textarea`` -> ``metadata["notes"]``. Per-region ones
  (same id as a region, or carrying start/end) go on that region's spans instead:
  ``attributes[from_name]`` (choices joined by ", ") and ``note`` (textarea lines);
* anything else is not imported and named in a warning.

Offsets: current Label Studio counts code points, older versions UTF-16 code units. A span is
accepted when ``text[start:end]`` equals ``value.text``; otherwise the offsets are tried as UTF-16
(and a warning says so); otherwise the file is refused with both strings quoted. Without a
``value.text`` the offsets are taken as code points (with a warning when UTF-16 would differ).

Cancelled annotations, tasks without annotations and predictions are not documents; they are
counted in warnings on the first document returned (a file with no annotation at all is an
error, so nothing disappears silently).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from annotator.domain.offsets import OffsetError, Utf16Index
from annotator.formats.errors import FormatError
from annotator.formats.interchange import ForeignDocument, ForeignRelation, ForeignSpan

_SPAN_TYPES = frozenset({"labels"})
_REGION_EXTRAS = frozenset({"choices", "textarea"})


@dataclass
class _Skipped:
    """What the file holds that does not become a document, for the warnings."""

    cancelled: list[str] = field(default_factory=list)
    unannotated: list[str] = field(default_factory=list)
    predictions: int = 0


def read(path: Path, *, text_key: str | None = None) -> list[ForeignDocument]:
    """Every (task, annotation) of a Label Studio JSON export; raises ``FormatError``."""
    tasks = _load(path)
    skipped = _Skipped()
    documents: list[ForeignDocument] = []
    for number, task in enumerate(tasks, start=1):
        documents.extend(_read_task(path, number, task, text_key, skipped))
    notes = _skipped_warnings(skipped)
    if not documents:
        raise FormatError(
            path, "no annotations to import" + (f" ({'; '.join(notes)})" if notes else "")
        )
    documents[0].warnings.extend(notes)
    return documents


def _load(path: Path) -> list[Any]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FormatError(path, f"cannot read the file ({error.strerror})") from None
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    if not raw.strip():
        raise FormatError(path, "the file is empty; expected a JSON array of Label Studio tasks")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise FormatError(
            path, f"invalid JSON ({error.msg}, column {error.colno})", line=error.lineno
        ) from None
    if isinstance(value, dict) and "data" in value:
        return [value]  # a single task, as Label Studio's import also accepts
    if not isinstance(value, list):
        raise FormatError(
            path, f"expected a JSON array of Label Studio tasks, found {type(value).__name__}"
        )
    if not value:
        raise FormatError(path, "the array holds no tasks")
    return value


def _task_name(number: int, task: dict[str, Any]) -> str:
    return f"task {task['id']}" if "id" in task else f"task #{number} (no id)"


def _read_task(
    path: Path, number: int, task: Any, text_key: str | None, skipped: _Skipped
) -> list[ForeignDocument]:
    if not isinstance(task, dict):
        raise FormatError(
            path, f"task #{number}: expected a JSON object, found {type(task).__name__}"
        )
    name = _task_name(number, task)
    data = task.get("data")
    if not isinstance(data, dict):
        raise FormatError(path, f'{name}: expected a "data" object holding the text')
    key = _text_key(path, name, data, text_key)
    text: str = data[key]
    predictions = task.get("predictions") or []
    skipped.predictions += len(predictions) if isinstance(predictions, list) else 0
    annotations = task.get("annotations", [])
    if not isinstance(annotations, list):
        raise FormatError(path, f'{name}: "annotations" must be a list')
    if not annotations:
        skipped.unannotated.append(name)
    index = Utf16Index(text)
    base = ForeignDocument(
        source=str(path),
        text=text,
        external_id=str(task["id"]) if "id" in task else None,
        metadata={k: v for k, v in data.items() if k != key},
    )
    # Our own export names the annotator in the task's meta (Label Studio wants its own user
    # ids in completed_by); an annotation's completed_by still wins when present.
    meta = task.get("meta")
    base.annotator = (
        str(meta["annotator"]) if isinstance(meta, dict) and meta.get("annotator") else None
    )
    documents = []
    for position, annotation in enumerate(annotations, start=1):
        where = f"{name}, annotation {_annotation_id(annotation, position)}"
        if not isinstance(annotation, dict):
            raise FormatError(path, f"{where}: expected a JSON object")
        if annotation.get("was_cancelled"):
            skipped.cancelled.append(where)
            continue
        if not text:
            raise FormatError(path, f"{where}: the text is empty")
        documents.append(_read_annotation(path, where, annotation, index, base))
    return documents


def _read_annotation(
    path: Path, where: str, annotation: dict[str, Any], index: Utf16Index, base: ForeignDocument
) -> ForeignDocument:
    document = ForeignDocument(
        source=base.source,
        text=base.text,
        annotator=_annotator(annotation.get("completed_by")) or base.annotator,
        external_id=base.external_id,
        metadata=dict(base.metadata),
    )
    if "id" in annotation:
        document.metadata["annotation_id"] = annotation["id"]
    _read_results(path, where, annotation.get("result", []), index, document)
    return document


def _annotation_id(annotation: Any, position: int) -> str:
    if isinstance(annotation, dict) and "id" in annotation:
        return str(annotation["id"])
    return f"#{position}"


def _text_key(path: Path, name: str, data: dict[str, Any], text_key: str | None) -> str:
    if text_key is not None:
        if not isinstance(data.get(text_key), str):
            raise FormatError(path, f'{name}: expected a string under data["{text_key}"]')
        return text_key
    if "text" in data:
        if not isinstance(data["text"], str):
            raise FormatError(path, f'{name}: data["text"] must be a string')
        return "text"
    strings = [k for k, v in data.items() if isinstance(v, str)]
    if len(strings) != 1:
        found = ", ".join(map(repr, strings)) or "none"
        raise FormatError(
            path,
            f'{name}: no data["text"] and not exactly one string field to use instead '
            f"(found {found}); say which field holds the text",
        )
    return strings[0]


def _annotator(completed_by: Any) -> str | None:
    if isinstance(completed_by, dict):
        for key in ("email", "username", "id"):
            if completed_by.get(key) not in (None, ""):
                return str(completed_by[key])
        return None
    return None if completed_by is None else str(completed_by)


def _read_results(
    path: Path, where: str, results: Any, index: Utf16Index, document: ForeignDocument
) -> None:
    if not isinstance(results, list):
        raise FormatError(path, f'{where}: "result" must be a list')
    for position, result in enumerate(results, start=1):
        if not isinstance(result, dict):
            raise FormatError(path, f"{where}, result #{position}: expected a JSON object")
    # Regions first, so relations and per-region answers can find them in any order.
    for position, result in enumerate(results, start=1):
        if _type(result) in _SPAN_TYPES:
            _read_region(
                path, f"{where}, result {_result_id(result, position)}", result, index, document
            )
    regions: dict[str, list[ForeignSpan]] = {}
    for span in document.spans:
        regions.setdefault(span.id or "", []).append(span)
    for position, result in enumerate(results, start=1):
        kind = _type(result)
        at = f"{where}, result {_result_id(result, position)}"
        if kind in _SPAN_TYPES:
            continue
        if kind == "relation":
            document.relations.append(_relation(path, at, result, regions, document))
        elif kind in _REGION_EXTRAS:
            _read_answer(path, at, result, regions, document)
        else:
            document.warnings.append(f"{at}: result type {result.get('type')!r} is not imported")


def _type(result: dict[str, Any]) -> str | None:
    """The result's ``type`` when it is a string (a list or object is no type we know)."""
    kind = result.get("type")
    return kind if isinstance(kind, str) else None


def _result_id(result: dict[str, Any], position: int) -> str:
    return repr(result["id"]) if "id" in result else f"#{position}"


def _value(path: Path, at: str, result: dict[str, Any]) -> dict[str, Any]:
    value = result.get("value")
    if not isinstance(value, dict):
        raise FormatError(path, f'{at}: expected a "value" object')
    return value


def _strings(path: Path, at: str, value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormatError(path, f'{at}: "{key}" must be a list of strings')
    return value


def _int(path: Path, at: str, value: dict[str, Any], key: str) -> int:
    number = value.get(key)
    if not isinstance(number, int) or isinstance(number, bool):
        raise FormatError(path, f'{at}: expected an integer "{key}", found {number!r}')
    return number


def _read_region(
    path: Path, at: str, result: dict[str, Any], index: Utf16Index, document: ForeignDocument
) -> None:
    if "id" not in result:
        raise FormatError(path, f'{at}: a region needs an "id"')
    value = _value(path, at, result)
    start, end = _int(path, at, value, "start"), _int(path, at, value, "end")
    labels = _strings(path, at, value.get("labels"), "labels")
    quoted = value.get("text")
    if quoted is not None and not isinstance(quoted, str):
        raise FormatError(path, f'{at}: "text" must be a string')
    start, end = _locate(path, at, document, index, start, end, quoted)
    if not labels:
        document.warnings.append(f"{at}: region [{start}, {end}) has no label; not imported")
    note = _meta_note(path, at, result.get("meta"))
    for label in labels:
        attributes = {"from_name": str(result["from_name"])} if "from_name" in result else {}
        document.spans.append(
            ForeignSpan(
                start,
                end,
                label,
                id=str(result["id"]),
                text=document.text[start:end],
                note=note,
                attributes=attributes,
            )
        )


def _meta_note(path: Path, at: str, meta: Any) -> str:
    """The region's meta text (Label Studio's per-region "meta" box)."""
    if not isinstance(meta, dict) or meta.get("text") is None:
        return ""
    lines = meta["text"]
    return lines if isinstance(lines, str) else "\n".join(_strings(path, at, lines, "meta.text"))


def _locate(
    path: Path,
    at: str,
    document: ForeignDocument,
    index: Utf16Index,
    start: int,
    end: int,
    quoted: str | None,
) -> tuple[int, int]:
    """Code-point offsets for the region: as given, or read as UTF-16 if only that matches."""
    text = document.text
    fits = 0 <= start < end <= len(text)
    if quoted is None:
        if not fits:
            raise FormatError(
                path,
                f"{at}: [{start}, {end}) is not a span inside the text of {len(text)} characters",
            )
        if index.to_utf16(end) != end:
            document.warnings.append(
                f"{at}: no text to check [{start}, {end}) against; taken as code points"
            )
        return start, end
    if fits and text[start:end] == quoted:
        return start, end
    try:
        cp_start, cp_end = index.span_from_utf16(start, end)
    except OffsetError:
        cp_start = cp_end = -1
    if cp_start >= 0 and text[cp_start:cp_end] == quoted:
        document.warnings.append(
            f"{at}: offsets [{start}, {end}) are UTF-16 code units (older Label Studio); "
            f"read as code points [{cp_start}, {cp_end})"
        )
        return cp_start, cp_end
    as_utf16 = repr(text[cp_start:cp_end]) if cp_start >= 0 else "nothing (not valid UTF-16)"
    selected = repr(text[start:end]) if fits else "nothing (outside the text)"
    raise FormatError(
        path,
        f"{at}: value.text is {quoted!r} but [{start}, {end}) selects {selected} as code "
        f"points and {as_utf16} as UTF-16 offsets",
    )


def _relation(
    path: Path,
    at: str,
    result: dict[str, Any],
    regions: dict[str, list[ForeignSpan]],
    document: ForeignDocument,
) -> ForeignRelation:
    ends = []
    for key in ("from_id", "to_id"):
        region = result.get(key)
        if not isinstance(region, str | int) or str(region) not in regions:
            raise FormatError(path, f'{at}: "{key}" {region!r} is not a region of this annotation')
        ends.append(str(region))
    labels = _strings(path, at, result.get("labels", []), "labels")
    head, tail = ends
    direction = result.get("direction", "right")
    if direction == "left":
        head, tail = tail, head
    elif direction == "bi":
        document.warnings.append(
            f"{at}: relation {head}–{tail} is bidirectional; kept as {head} -> {tail}"
        )
    elif direction != "right":
        raise FormatError(
            path, f'{at}: "direction" must be "right", "left" or "bi", not {direction!r}'
        )
    if len(labels) > 1:
        document.warnings.append(f"{at}: relation has labels {labels}; kept {labels[0]!r}")
    return ForeignRelation(labels[0] if labels else "", head, tail)


def _read_answer(
    path: Path,
    at: str,
    result: dict[str, Any],
    regions: dict[str, list[ForeignSpan]],
    document: ForeignDocument,
) -> None:
    value = _value(path, at, result)
    name = str(result.get("from_name", result["type"]))
    key = "choices" if result["type"] == "choices" else "text"
    answers = value.get(key, [])
    answers = [answers] if isinstance(answers, str) else _strings(path, at, answers, key)
    region = str(result["id"]) if "id" in result else None
    if region in regions or "start" in value:
        if region not in regions:
            raise FormatError(path, f"{at}: a per-region answer whose region is not found")
        for span in regions[region or ""]:
            if key == "choices":
                span.attributes[name] = ", ".join(answers)
            else:
                span.note = "\n".join(filter(None, [span.note, *answers]))
    elif key == "choices":
        document.choices.setdefault(name, []).extend(answers)
    else:
        # A data field named "notes" may already hold something else: keep it, add after it.
        notes = document.metadata.get("notes")
        kept = notes if isinstance(notes, list) else [] if notes is None else [notes]
        document.metadata["notes"] = [*kept, *answers]


def _skipped_warnings(skipped: _Skipped) -> list[str]:
    notes = []
    if skipped.cancelled:
        notes.append(
            f"whole file: skipped {len(skipped.cancelled)} cancelled annotation(s): "
            + ", ".join(skipped.cancelled)
        )
    if skipped.unannotated:
        notes.append(
            f"whole file: {len(skipped.unannotated)} task(s) without annotations: "
            + ", ".join(skipped.unannotated)
        )
    if skipped.predictions:
        notes.append(f"whole file: {skipped.predictions} prediction(s) not imported")
    return notes
