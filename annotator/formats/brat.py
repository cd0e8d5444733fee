"""brat standoff: ``X.txt`` (the text, UTF-8) and ``X.ann`` beside it (one annotation a line).

```
T1	PER 0 5	Putin
T4	QuoteContent 13 18;23 31	It is business
R1	Speaker Arg1:T3 Arg2:T1
E1	Stance:T5 Holder:T1 Target:T2 Evidence:T6
A1	Polarity E1 against
N1	Reference T1 Wikidata:Q7747	Putin
#1	AnnotatorNotes T3	some note
*	Equiv T1 T7
```

Offsets are code points into the ``.txt`` exactly as stored: it is decoded as UTF-8 and nothing
else, so a CR of a CRLF counts as a character, as it does for brat's server (its web client
counted CRLF as one, brat issue #853: such files are refused, never shifted). Each ``T`` is
checked against its quoted text (fragments joined by one space); if only a UTF-16 reading of
the offsets matches (brat releases before 2020 counted emoji as two, issue #1115) that reading
is used and a warning says so; otherwise the file is refused with both strings quoted.

Mapping onto ``ForeignDocument``:

* ``T`` -> a span with the brat id; a discontinuous one -> one span per fragment, ids ``T2``,
  ``T2#2``, ``T2#3``... and a warning. Relations and attributes aimed at it use all fragments'
  first id (``T2``) / all fragments.
* ``R`` -> ``ForeignRelation(type, Arg1, Arg2)`` (other argument names: in file order).
* ``E`` -> the trigger span gets ``attributes["event"] = type``, and one relation per argument
  from the trigger to the argument, labelled by its role (``Holder``, ``Target``, ``Evidence2``);
  everywhere else the event id stands for its trigger span.
* ``A``/``M`` -> ``attributes[name] = value`` (``"true"`` for a binary one) on the span or the
  event's trigger; ``N`` -> ``attributes["kb_id"] = "DB:ID"``; ``#`` -> ``note``. A second,
  different value for the same key is appended after "; " with a warning.
* ``*`` equivalences are not imported (warning); an unknown line type is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from annotator.domain.offsets import OffsetError, Utf16Index
from annotator.formats.errors import FormatError
from annotator.formats.interchange import ForeignDocument, ForeignRelation, ForeignSpan


def read(txt_path: Path) -> ForeignDocument:
    """The document of ``X.txt`` with the annotations of ``X.ann`` beside it."""
    ann_path = txt_path.with_suffix(".ann")
    text = _decode(txt_path)
    if not text:
        raise FormatError(txt_path, "the text file is empty")
    if not ann_path.is_file():
        raise FormatError(ann_path, f"missing: brat needs {ann_path.name} beside {txt_path.name}")
    lines = _decode(ann_path).removeprefix("\ufeff").split("\n")
    document = ForeignDocument(
        source=str(ann_path),
        text=text,
        external_id=txt_path.stem,
        metadata={"txt": str(txt_path)},
    )
    _Reader(ann_path, document).read(lines)
    return document


def read_folder(folder: Path) -> list[ForeignDocument]:
    """Every ``.txt``/``.ann`` pair directly in ``folder``, sorted by file name."""
    if not folder.is_dir():
        raise FormatError(folder, "not a folder")
    texts = sorted(folder.glob("*.txt"))
    for ann in sorted(folder.glob("*.ann")):
        if not ann.with_suffix(".txt").is_file():
            raise FormatError(ann, f"no text file {ann.with_suffix('.txt').name} beside it")
    if not texts:
        raise FormatError(folder, "no brat .txt/.ann pairs in this folder")
    return [read(path) for path in texts]


def _decode(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise FormatError(path, f"cannot read the file ({error.strerror})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise FormatError(
            path, f"not valid UTF-8 (byte {error.start}: {error.reason})", line=line
        ) from None


@dataclass
class _Pending:
    """A line that refers to other annotations, resolved once every id is known."""

    number: int
    id: str
    kind: str
    fields: list[str]


class _Reader:
    """Reads the lines of one ``.ann`` into a document; errors name the file and line."""

    def __init__(self, path: Path, document: ForeignDocument) -> None:
        self.path = path
        self.doc = document
        self.text = document.text
        self.index = Utf16Index(document.text)
        self.fragments: dict[str, list[ForeignSpan]] = {}
        self.triggers: dict[str, str] = {}  # event id -> trigger span id
        self.ids: dict[str, int] = {}  # every id -> the line that defined it
        self.pending: list[_Pending] = []

    def fail(self, number: int, message: str) -> FormatError:
        return FormatError(self.path, message, line=number)

    def read(self, lines: list[str]) -> None:
        for number, raw in enumerate(lines, start=1):
            line = raw.removesuffix("\r")
            if line.strip():
                self._line(number, line)
        for item in self.pending:
            if item.kind == "E":
                self._event_trigger(item)
        for item in self.pending:
            self._resolve(item)

    def _line(self, number: int, line: str) -> None:
        ann_id, _, rest = line.partition("\t")
        kind = ann_id[:1]
        if kind not in ("T", "R", "E", "A", "M", "N", "#", "*") or not rest:
            raise self.fail(
                number,
                f"unknown line {line[:40]!r}: expected an id (T, R, E, A, M, N, #, *) then a tab",
            )
        if kind == "*":
            self.doc.warnings.append(f"line {number}: equivalence {rest!r} is not imported")
            return
        if ann_id in self.ids:
            raise self.fail(number, f"{ann_id} is already defined on line {self.ids[ann_id]}")
        self.ids[ann_id] = number
        if kind == "T":
            self._text_bound(number, ann_id, rest)
        else:
            self.pending.append(_Pending(number, ann_id, kind, rest.split("\t")))

    # -- text-bound annotations --------------------------------------------------------------

    def _text_bound(self, number: int, ann_id: str, rest: str) -> None:
        head, tab, quoted = rest.partition("\t")
        label, _, offsets = head.partition(" ")
        if not tab or not label or not offsets:
            raise self.fail(number, f"{ann_id}: expected '{ann_id}<TAB>TYPE START END<TAB>TEXT'")
        given = self._fragments(number, ann_id, offsets)
        spans = self._located(number, ann_id, given, quoted)
        ids = [ann_id] + [f"{ann_id}#{n}" for n in range(2, len(spans) + 1)]
        made = [
            ForeignSpan(s, e, label, id=span_id, text=self.text[s:e])
            for span_id, (s, e) in zip(ids, spans, strict=True)
        ]
        if len(made) > 1:
            self.doc.warnings.append(
                f"line {number}: {ann_id} is discontinuous; imported as {len(made)} spans "
                f"({', '.join(ids)})"
            )
        self.fragments[ann_id] = made
        self.doc.spans.extend(made)

    def _fragments(self, number: int, ann_id: str, offsets: str) -> list[tuple[int, int]]:
        fragments: list[tuple[int, int]] = []
        for part in offsets.split(";"):
            numbers = part.split()
            if len(numbers) != 2 or not all(n.isascii() and n.isdigit() for n in numbers):
                raise self.fail(
                    number,
                    f"{ann_id}: offsets {offsets!r} are not 'START END' pairs separated by ';'",
                )
            if any(len(n) > 18 for n in numbers):
                raise self.fail(
                    number, f"{ann_id}: offsets {offsets[:60]!r} are far beyond any text's length"
                )
            start, end = int(numbers[0]), int(numbers[1])
            if start >= end:
                raise self.fail(number, f"{ann_id}: fragment [{start}, {end}) is empty")
            if fragments and start < fragments[-1][1]:
                raise self.fail(number, f"{ann_id}: fragments {offsets!r} overlap or go back")
            fragments.append((start, end))
        return fragments

    def _quote(self, spans: list[tuple[int, int]]) -> str:
        return " ".join(self.text[s:e] for s, e in spans)

    def _located(
        self, number: int, ann_id: str, given: list[tuple[int, int]], quoted: str
    ) -> list[tuple[int, int]]:
        fits = given[-1][1] <= len(self.text)
        if fits and self._quote(given) == quoted:
            return given
        try:
            converted = [self.index.span_from_utf16(s, e) for s, e in given]
        except OffsetError:
            converted = []
        if converted and self._quote(converted) == quoted:
            self.doc.warnings.append(
                f"line {number}: {ann_id} offsets {given} are UTF-16 code units (old brat "
                f"client); read as code points {converted}"
            )
            return converted
        selected = repr(self._quote(given)) if fits else "nothing (past the end of the text)"
        hint = ""
        if "\r" in self.text:
            hint = (
                "; the .txt has CR characters, which count here: if the offsets were made on "
                "LF-only text (brat's web client counts CRLF as one character, brat issue #853), "
                "convert the .txt to LF line ends"
            )
        raise self.fail(
            number,
            f"{ann_id}: the .ann says {quoted!r} but offsets {_offsets(given)} select "
            f"{selected} in the .txt ({len(self.text)} characters){hint}",
        )

    # -- references --------------------------------------------------------------------------

    def _event_trigger(self, item: _Pending) -> None:
        head = item.fields[0].split()
        label, _, trigger = head[0].partition(":") if head else ("", "", "")
        if not label or trigger not in self.fragments:
            raise self.fail(
                item.number,
                f"{item.id}: expected '{item.id}<TAB>TYPE:TRIGGER ROLE:ID...' with a text-bound "
                f"trigger, found {item.fields[0]!r}",
            )
        self.triggers[item.id] = trigger

    def _span_id(self, item: _Pending, ref: str) -> str:
        if ref in self.fragments:
            return ref
        if ref in self.triggers:
            return self.triggers[ref]
        raise self.fail(
            item.number, f"{item.id}: {ref!r} is not a text-bound annotation or event here"
        )

    def _resolve(self, item: _Pending) -> None:
        if item.kind == "R":
            self._relation(item)
        elif item.kind == "E":
            self._event(item)
        elif item.kind in ("A", "M"):
            self._attribute(item)
        elif item.kind == "N":
            self._normalization(item)
        else:
            self._note(item)

    def _arguments(self, item: _Pending, words: list[str]) -> list[tuple[str, str]]:
        arguments = []
        for word in words:
            role, colon, ref = word.partition(":")
            if not colon or not role or not ref:
                raise self.fail(item.number, f"{item.id}: argument {word!r} is not ROLE:ID")
            arguments.append((role, self._span_id(item, ref)))
        return arguments

    def _relation(self, item: _Pending) -> None:
        words = item.fields[0].split()
        if len(words) != 3:
            raise self.fail(
                item.number, f"{item.id}: expected '{item.id}<TAB>TYPE Arg1:ID Arg2:ID'"
            )
        arguments = self._arguments(item, words[1:])
        if {role for role, _ in arguments} == {"Arg1", "Arg2"}:
            arguments.sort()  # Arg1 is the head whichever comes first
        (_, head), (_, tail) = arguments
        self.doc.relations.append(ForeignRelation(words[0], head, tail))

    def _event(self, item: _Pending) -> None:
        words = item.fields[0].split()
        label = words[0].partition(":")[0]
        trigger = self.triggers[item.id]
        for span in self.fragments[trigger]:
            self._set(item, span, "event", label)
        for role, target in self._arguments(item, words[1:]):
            self.doc.relations.append(ForeignRelation(role, trigger, target))

    def _targets(self, item: _Pending, ref: str) -> list[ForeignSpan]:
        return self.fragments[self._span_id(item, ref)]

    def _attribute(self, item: _Pending) -> None:
        words = item.fields[0].split()
        if len(words) not in (2, 3):
            raise self.fail(item.number, f"{item.id}: expected '{item.id}<TAB>NAME TARGET [VALUE]'")
        value = words[2] if len(words) == 3 else "true"
        if words[1].startswith("R") and words[1] in self.ids:
            self._not_on_relation(item, words[1])
            return
        for span in self._targets(item, words[1]):
            self._set(item, span, words[0], value)

    def _normalization(self, item: _Pending) -> None:
        words = item.fields[0].split()
        if len(words) != 3 or ":" not in words[2]:
            raise self.fail(
                item.number, f"{item.id}: expected '{item.id}<TAB>Reference TARGET DB:ID<TAB>TEXT'"
            )
        for span in self._targets(item, words[1]):
            self._set(item, span, "kb_id", words[2])

    def _note(self, item: _Pending) -> None:
        words = item.fields[0].split()
        if len(words) != 2:
            raise self.fail(
                item.number, f"{item.id}: expected '{item.id}<TAB>AnnotatorNotes TARGET<TAB>TEXT'"
            )
        note = "\t".join(item.fields[1:])
        if words[1] in self.ids and words[1][:1] not in ("T", "E"):
            self._not_on_relation(item, words[1])
            return
        for span in self._targets(item, words[1]):
            span.note = f"{span.note}\n{note}" if span.note else note

    def _not_on_relation(self, item: _Pending, ref: str) -> None:
        self.doc.warnings.append(
            f"line {item.number}: {item.id} is attached to {ref}, which is not a span or "
            "event; not imported"
        )

    def _set(self, item: _Pending, span: ForeignSpan, key: str, value: str) -> None:
        old = span.attributes.get(key)
        if old is None:
            span.attributes[key] = value
        elif value not in old.split("; "):
            span.attributes[key] = f"{old}; {value}"
            self.doc.warnings.append(
                f"line {item.number}: {span.id} has {key} {old!r} already; now {key} is "
                f"{span.attributes[key]!r}"
            )


def _offsets(fragments: list[tuple[int, int]]) -> str:
    return ";".join(f"{s} {e}" for s, e in fragments)
