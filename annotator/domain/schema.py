"""The project's label schema: entity types, quote types, polarities, topics, questions."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path
from typing import Protocol, Self, TypeVar

import tomli_w
from pydantic import Field, ValidationError, model_validator

from annotator.domain.base import DomainModel
from annotator.domain.errors import InvalidDataError, explain

LABEL_PATTERN = r"^[A-Za-z][A-Za-z0-9_.\-]{0,39}$"
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


class EntityType(DomainModel):
    name: str = Field(pattern=LABEL_PATTERN)
    color: str = Field(default="#cccccc", pattern=COLOR_PATTERN)
    hotkey: int | None = Field(default=None, ge=1, le=9)
    description: str = ""
    guideline: str = ""


class QuoteType(DomainModel):
    name: str = Field(pattern=LABEL_PATTERN)
    description: str = ""
    guideline: str = ""


class Polarity(DomainModel):
    name: str = Field(pattern=LABEL_PATTERN)
    key: str | None = Field(default=None, pattern=r"^[a-z]$")
    description: str = ""
    guideline: str = ""


class Topic(DomainModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""


class DocumentQuestion(DomainModel):
    name: str = Field(pattern=LABEL_PATTERN)
    prompt: str = ""
    choices: list[str] = Field(min_length=1)
    multiple: bool = False
    guideline: str = ""

    @model_validator(mode="after")
    def _choices_unique(self) -> Self:
        _refuse_duplicates("choice", self.choices)
        return self


def _refuse_duplicates(what: str, names: list[str]) -> None:
    twice = sorted(name for name, n in Counter(names).items() if n > 1)
    if twice:
        raise ValueError(f"{what} {', '.join(map(repr, twice))} is defined more than once")


class Schema(DomainModel):
    """Everything a project lets annotators label, with guidelines per label."""

    name: str = "Untitled schema"
    entity_types: list[EntityType] = Field(default_factory=list)
    quote_types: list[QuoteType] = Field(
        default_factory=lambda: [QuoteType(name=n) for n in ("direct", "indirect", "mixed")]
    )
    polarities: list[Polarity] = Field(
        default_factory=lambda: [
            Polarity(name=n, key=k)
            for n, k in (("favor", "f"), ("against", "a"), ("neutral", "n"), ("none", "o"))
        ]
    )
    topics: list[Topic] = Field(default_factory=list)
    document_questions: list[DocumentQuestion] = Field(default_factory=list)
    speech_verbs: list[str] = Field(default_factory=list)
    guidelines: str = ""

    @model_validator(mode="after")
    def _names_and_keys_unique(self) -> Self:
        _refuse_duplicates("entity type", [t.name for t in self.entity_types])
        _refuse_duplicates("quote type", [t.name for t in self.quote_types])
        _refuse_duplicates("polarity", [p.name for p in self.polarities])
        _refuse_duplicates("topic", [t.name for t in self.topics])
        _refuse_duplicates("document question", [q.name for q in self.document_questions])
        by_hotkey: dict[int, list[str]] = {}
        for entity_type in self.entity_types:
            if entity_type.hotkey is not None:
                by_hotkey.setdefault(entity_type.hotkey, []).append(entity_type.name)
        for hotkey, names in sorted(by_hotkey.items()):
            if len(names) > 1:
                raise ValueError(f"hotkey {hotkey} is used by both {' and '.join(names)}")
        by_key: dict[str, list[str]] = {}
        for polarity in self.polarities:
            if polarity.key is not None:
                by_key.setdefault(polarity.key, []).append(polarity.name)
        for key, names in sorted(by_key.items()):
            if len(names) > 1:
                raise ValueError(f"polarity key {key!r} is used by both {' and '.join(names)}")
        return self

    # -- look-ups ---------------------------------------------------------------------------

    def entity_type(self, name: str) -> EntityType | None:
        return next((t for t in self.entity_types if t.name == name), None)

    def entity_type_for_hotkey(self, hotkey: int) -> EntityType | None:
        return next((t for t in self.entity_types if t.hotkey == hotkey), None)

    def question(self, name: str) -> DocumentQuestion | None:
        return next((q for q in self.document_questions if q.name == name), None)

    @property
    def entity_labels(self) -> list[str]:
        return [t.name for t in self.entity_types]

    @property
    def quote_type_names(self) -> list[str]:
        return [t.name for t in self.quote_types]

    @property
    def polarity_names(self) -> list[str]:
        return [p.name for p in self.polarities]

    @property
    def topic_names(self) -> list[str]:
        return [t.name for t in self.topics]

    # -- files --------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: object, *, source: str = "schema") -> Schema:
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise InvalidDataError(explain(error, source=source)) from None

    @classmethod
    def from_toml(cls, text: str, *, source: str = "schema.toml") -> Schema:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise InvalidDataError(f"{source}: not valid TOML ({error})") from None
        return cls.from_dict(data, source=source)

    @classmethod
    def from_json(cls, text: str, *, source: str = "schema.json") -> Schema:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidDataError(
                f"{source}:{error.lineno}: not valid JSON ({error.msg})"
            ) from None
        return cls.from_dict(data, source=source)

    @classmethod
    def load(cls, path: Path) -> Schema:
        """Read a schema file; TOML or JSON by its suffix."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InvalidDataError(f"{path}: no such schema file") from None
        except UnicodeDecodeError:
            raise InvalidDataError(f"{path}: not UTF-8 text") from None
        except OSError as error:
            raise InvalidDataError(f"{path}: cannot be read ({error.strerror or error})") from None
        if path.suffix.lower() == ".json":
            return cls.from_json(text, source=str(path))
        return cls.from_toml(text, source=str(path))

    def to_toml(self) -> str:
        return tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, indent=2)

    def save(self, path: Path) -> None:
        text = self.to_json() if path.suffix.lower() == ".json" else self.to_toml()
        path.write_text(text, encoding="utf-8")


def default_schema() -> Schema:
    """The news schema shipped in ``resources/schema/news.toml``."""
    from annotator.resources import resource

    text = resource("schema", "news.toml").read_text(encoding="utf-8")
    return Schema.from_toml(text, source="resources/schema/news.toml")


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_Label = TypeVar("_Label", bound=_Named)


def _union(kind: str, mine: list[_Label], theirs: list[_Label], added: list[str]) -> list[_Label]:
    names = {x.name for x in mine}
    extra = [x for x in theirs if x.name not in names]
    added.extend(f"{kind} {x.name}" for x in extra)
    return [*mine, *extra]


def merge_schemas(base: Schema, incoming: Schema) -> tuple[Schema, list[str]]:
    """``base`` plus every label of ``incoming`` it lacks; returns the result and what was added.

    Nothing of ``base`` changes. An added entity type whose hotkey is taken loses the hotkey.
    """
    added: list[str] = []
    taken = {t.hotkey for t in base.entity_types if t.hotkey is not None}
    entity_types = list(base.entity_types)
    for entity_type in incoming.entity_types:
        if base.entity_type(entity_type.name) is None:
            if entity_type.hotkey in taken:
                entity_type = entity_type.model_copy(update={"hotkey": None})
            if entity_type.hotkey is not None:
                taken.add(entity_type.hotkey)
            entity_types.append(entity_type)
            added.append(f"entity type {entity_type.name}")

    polarity_keys = {p.key for p in base.polarities if p.key}
    polarities = _union("polarity", base.polarities, incoming.polarities, added)
    polarities = [
        p.model_copy(update={"key": None})
        if p not in base.polarities and p.key in polarity_keys
        else p
        for p in polarities
    ]
    merged = base.model_copy(
        update={
            "entity_types": entity_types,
            "quote_types": _union("quote type", base.quote_types, incoming.quote_types, added),
            "polarities": polarities,
            "topics": _union("topic", base.topics, incoming.topics, added),
            "document_questions": _union(
                "document question", base.document_questions, incoming.document_questions, added
            ),
            "speech_verbs": base.speech_verbs
            + [v for v in incoming.speech_verbs if v not in base.speech_verbs],
        }
    )
    return Schema.model_validate(merged.model_dump()), added
