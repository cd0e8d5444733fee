"""Optional model suggestions: the entities of a spaCy pipeline the user installed.

Nothing is downloaded: the choice is among the pipelines installed in the environment (or a
pipeline folder on disk). spaCy is imported only here, only when asked (it costs ~0.6 s).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.domain.errors import InvalidDataError

#: spaCy's OntoNotes and WikiNER labels -> the news schema's labels.
DEFAULT_LABEL_MAP: dict[str, str] = {
    "PERSON": "PER",
    "PER": "PER",
    "ORG": "ORG",
    "GPE": "GPE",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "NORP",
    "EVENT": "EVENT",
    "PRODUCT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
    "MISC": "MISC",
}
_NER_COMPONENTS = ("ner", "entity_ruler", "span_ruler")
_CACHE_SIZE = 64


@dataclass(frozen=True)
class ModelChoice:
    """The installed pipelines that can suggest entities, or why there are none."""

    names: list[str]
    reason: str | None


def installed_models() -> ModelChoice:
    """spaCy pipelines with an entity recogniser installed in this environment."""
    try:
        import spacy
    except ImportError:
        return ModelChoice([], "spaCy is not installed (pip install 'annotator[spacy]').")
    names: list[str] = []
    for name in sorted(spacy.util.get_installed_models()):
        pipeline = _package_pipeline(spacy, name)
        if pipeline is None or any(c in pipeline for c in _NER_COMPONENTS):
            names.append(name)
    if not names:
        return ModelChoice(
            [],
            "No spaCy pipeline with an entity recogniser is installed "
            "(for example: python -m spacy download en_core_web_sm).",
        )
    return ModelChoice(names, None)


def _package_pipeline(spacy: Any, name: str) -> list[str] | None:
    try:
        meta = spacy.util.get_model_meta(spacy.util.get_package_path(name))
    except Exception:  # an unreadable meta.json: let loading decide
        return None
    pipeline = meta.get("pipeline") or meta.get("components")
    return [str(c) for c in pipeline] if isinstance(pipeline, list) else None


@dataclass(frozen=True, slots=True)
class ModelEntity:
    start: int
    end: int
    label: str  # already mapped to the schema
    model_label: str


class ModelSuggester:
    """A loaded spaCy pipeline; its entities mapped to the schema's labels, cached per text."""

    def __init__(self, name: str, *, label_map: dict[str, str] | None = None) -> None:
        try:
            import spacy
        except ImportError:
            raise InvalidDataError(
                "model suggestions need spaCy: pip install 'annotator[spacy]'"
            ) from None
        try:
            self._nlp = spacy.load(name)
        except OSError as error:
            raise InvalidDataError(f"spaCy pipeline {name!r} cannot be loaded: {error}") from None
        if not any(c in self._nlp.pipe_names for c in _NER_COMPONENTS):
            raise InvalidDataError(
                f"spaCy pipeline {name!r} has no entity recogniser "
                f"(its components: {', '.join(self._nlp.pipe_names) or 'none'})"
            )
        self.name = Path(name).name if Path(name).exists() else name
        self.source = f"model:{self.name}"
        self.label_map = dict(DEFAULT_LABEL_MAP if label_map is None else label_map)
        self.unmapped: Counter[str] = Counter()
        self._cache: OrderedDict[int, list[ModelEntity]] = OrderedDict()

    def entities(self, text: str, labels: Iterable[str]) -> list[ModelEntity]:
        """The pipeline's entities in ``text`` whose mapped label is one of ``labels``;
        model labels without a mapping are counted in ``unmapped``."""
        allowed = set(labels)
        key = hash(text)
        cached = self._cache.get(key)
        if cached is None:
            cached = []
            doc = self._nlp(text)
            for ent in doc.ents:
                mapped = self.label_map.get(ent.label_, ent.label_)
                cached.append(ModelEntity(ent.start_char, ent.end_char, mapped, ent.label_))
            self._cache[key] = cached
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        kept = []
        for entity in cached:
            if entity.label in allowed:
                kept.append(entity)
            else:
                self.unmapped[entity.model_label] += 1
        return kept
