"""The label schema: the shipped default, validation, TOML/JSON files and merging."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from annotator.domain.errors import InvalidDataError
from annotator.domain.schema import (
    DocumentQuestion,
    EntityType,
    Polarity,
    QuoteType,
    Schema,
    Topic,
    default_schema,
    merge_schemas,
)


def custom_schema() -> Schema:
    """A schema using every part of the model, including optional and non-ASCII values."""
    return Schema(
        name="Custom — 서울",
        entity_types=[
            EntityType(name="PER", color="#FFD6A5", hotkey=1, description="Person"),
            EntityType(name="ORG", color="#a0c4ff", hotkey=2, guideline='Say "org".'),
            EntityType(name="LAW", color="#e0e0e0"),  # no hotkey: omitted in TOML
        ],
        quote_types=[QuoteType(name="direct"), QuoteType(name="indirect")],
        polarities=[Polarity(name="favor", key="f"), Polarity(name="against")],
        topics=[Topic(name="Sanctions on Russia", description="EU and US measures")],
        document_questions=[
            DocumentQuestion(name="genre", prompt="Kind?", choices=["news", "opinion"]),
            DocumentQuestion(name="tags", choices=["a", "b", "c"], multiple=True),
        ],
        speech_verbs=["said", "according to"],
        guidelines="# Guidelines\n\nMark **named** mentions.\n",
    )


# -- the default schema -----------------------------------------------------------------------


def test_default_schema_loads_with_per_org_gpe_on_hotkeys_1_2_3() -> None:
    schema = default_schema()
    assert schema.entity_labels[:3] == ["PER", "ORG", "GPE"]
    hotkeys = {t.name: t.hotkey for t in schema.entity_types}
    assert (hotkeys["PER"], hotkeys["ORG"], hotkeys["GPE"]) == (1, 2, 3)
    entity_type = schema.entity_type_for_hotkey(3)
    assert entity_type is not None
    assert entity_type.name == "GPE"


def test_default_schema_contents() -> None:
    schema = default_schema()
    assert schema.quote_type_names == ["direct", "indirect", "mixed"]
    assert schema.polarity_names == ["favor", "against", "neutral", "none"]
    genre = schema.question("genre")
    assert genre is not None
    assert "news" in genre.choices
    assert not genre.multiple
    assert "said" in schema.speech_verbs
    assert schema.guidelines.strip()
    assert schema.entity_type("NOPE") is None
    assert schema.entity_type_for_hotkey(9) is None


def test_empty_schema_has_default_quote_types_and_polarities() -> None:
    schema = Schema()
    assert schema.entity_labels == []
    assert schema.quote_type_names == ["direct", "indirect", "mixed"]
    assert schema.polarity_names == ["favor", "against", "neutral", "none"]


# -- validation -------------------------------------------------------------------------------


def test_hotkey_used_twice_names_both_labels() -> None:
    with pytest.raises(ValidationError, match="hotkey 3 is used by both GPE and LOC"):
        Schema(
            entity_types=[
                EntityType(name="PER", hotkey=1),
                EntityType(name="GPE", hotkey=3),
                EntityType(name="LOC", hotkey=3),
            ]
        )


def test_hotkey_used_twice_via_from_dict_is_invalid_data() -> None:
    data = {"entity_types": [{"name": "GPE", "hotkey": 3}, {"name": "LOC", "hotkey": 3}]}
    with pytest.raises(InvalidDataError, match="hotkey 3 is used by both GPE and LOC"):
        Schema.from_dict(data)


def test_polarity_key_used_twice_is_refused() -> None:
    with pytest.raises(ValidationError, match="polarity key 'f' is used by both favor and fine"):
        Schema(polarities=[Polarity(name="favor", key="f"), Polarity(name="fine", key="f")])


@pytest.mark.parametrize(
    ("field", "items", "message"),
    [
        ("entity_types", [EntityType(name="PER"), EntityType(name="PER")], "entity type 'PER'"),
        ("quote_types", [QuoteType(name="direct")] * 2, "quote type 'direct'"),
        ("polarities", [Polarity(name="favor"), Polarity(name="favor")], "polarity 'favor'"),
        ("topics", [Topic(name="war"), Topic(name="war")], "topic 'war'"),
        (
            "document_questions",
            [DocumentQuestion(name="q", choices=["a"])] * 2,
            "document question 'q'",
        ),
    ],
)
def test_duplicate_names_are_refused(field: str, items: list[BaseModel], message: str) -> None:
    with pytest.raises(ValidationError, match=f"{message} is defined more than once"):
        Schema.model_validate({field: [item.model_dump() for item in items]})


def test_duplicate_choices_are_refused() -> None:
    with pytest.raises(ValidationError, match="choice 'a' is defined more than once"):
        DocumentQuestion(name="q", choices=["a", "b", "a"])


@pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "#gggggg", "ffd6a5", ""])
def test_bad_colour_is_refused(color: str) -> None:
    with pytest.raises(ValidationError, match="color"):
        EntityType(name="PER", color=color)


def test_good_colours_are_accepted() -> None:
    assert EntityType(name="PER", color="#A0c4FF").color == "#A0c4FF"
    assert EntityType(name="PER").color == "#cccccc"


@pytest.mark.parametrize("name", ["", "1PER", "has space", "_x", "x" * 41, "서울"])
def test_bad_label_names_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="name"):
        EntityType(name=name)


@pytest.mark.parametrize("hotkey", [0, 10, -1])
def test_hotkey_outside_1_to_9_is_refused(hotkey: int) -> None:
    with pytest.raises(ValidationError, match="hotkey"):
        EntityType(name="PER", hotkey=hotkey)


def test_question_needs_a_choice() -> None:
    with pytest.raises(ValidationError, match="choices"):
        DocumentQuestion(name="q", choices=[])


def test_unknown_field_is_refused() -> None:
    with pytest.raises(InvalidDataError, match="colour"):
        Schema.from_dict({"entity_types": [{"name": "PER", "colour": "#ffffff"}]})


# -- TOML and JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [default_schema, custom_schema, Schema])
def test_toml_round_trip(make: Callable[[], Schema]) -> None:
    schema = make()
    text = schema.to_toml()
    assert isinstance(tomllib.loads(text), dict)
    assert Schema.from_toml(text) == schema


@pytest.mark.parametrize("make", [default_schema, custom_schema, Schema])
def test_json_round_trip(make: Callable[[], Schema]) -> None:
    schema = make()
    assert Schema.from_json(schema.to_json()) == schema


def test_toml_omits_missing_hotkeys() -> None:
    data = tomllib.loads(custom_schema().to_toml())
    assert "hotkey" not in data["entity_types"][2]
    assert data["entity_types"][0]["hotkey"] == 1


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_save_and_load(tmp_path: Path, suffix: str) -> None:
    schema = custom_schema()
    path = tmp_path / f"schema{suffix}"
    schema.save(path)
    text = path.read_text(encoding="utf-8")
    # The format follows the suffix.
    if suffix == ".json":
        assert json.loads(text)["name"] == schema.name
    else:
        assert tomllib.loads(text)["name"] == schema.name
    assert Schema.load(path) == schema


def test_load_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    with pytest.raises(InvalidDataError, match="no such schema file") as info:
        Schema.load(path)
    assert str(path) in str(info.value)


def test_load_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "unterminated\n', encoding="utf-8")
    with pytest.raises(InvalidDataError, match="not valid TOML") as info:
        Schema.load(path)
    assert str(path) in str(info.value)


def test_load_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "name": \n}', encoding="utf-8")
    with pytest.raises(InvalidDataError, match="not valid JSON") as info:
        Schema.load(path)
    assert f"{path}:3:" in str(info.value)


def test_load_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Müller"\n'.encode("latin-1"))
    with pytest.raises(InvalidDataError, match="not UTF-8 text") as info:
        Schema.load(path)
    assert str(path) in str(info.value)


def test_load_reports_path_and_field_location(tmp_path: Path) -> None:
    path = tmp_path / "bad-hotkey.toml"
    path.write_text(
        '[[entity_types]]\nname = "PER"\nhotkey = 1\n\n'
        '[[entity_types]]\nname = "ORG"\nhotkey = 12\n',
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as info:
        Schema.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "entity_types[1].hotkey" in message
    assert "9" in message  # what was expected: at most 9


def test_load_reports_a_rule_across_fields(tmp_path: Path) -> None:
    path = tmp_path / "clash.json"
    path.write_text(
        json.dumps({"entity_types": [{"name": "GPE", "hotkey": 3}, {"name": "LOC", "hotkey": 3}]}),
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as info:
        Schema.load(path)
    assert str(info.value) == f"{path}: hotkey 3 is used by both GPE and LOC"


# -- merge_schemas ----------------------------------------------------------------------------


def incoming_schema() -> Schema:
    return Schema(
        entity_types=[
            EntityType(name="PER", color="#000000", hotkey=9),  # exists in base: ignored
            EntityType(name="WEAPON", hotkey=1),  # hotkey 1 is PER's: dropped
            EntityType(name="LAW", hotkey=8),  # free hotkey: kept
        ],
        quote_types=[QuoteType(name="direct"), QuoteType(name="rhetorical")],
        polarities=[Polarity(name="favor", key="z"), Polarity(name="mixed", key="a")],
        topics=[Topic(name="climate")],
        document_questions=[DocumentQuestion(name="region", choices=["asia", "europe"])],
        speech_verbs=["said", "quipped"],
    )


def test_merge_adds_missing_labels() -> None:
    base = default_schema()
    merged, added = merge_schemas(base, incoming_schema())
    assert sorted(added) == [
        "document question region",
        "entity type LAW",
        "entity type WEAPON",
        "polarity mixed",
        "quote type rhetorical",
        "topic climate",
    ]
    assert merged.entity_labels == [*base.entity_labels, "WEAPON", "LAW"]
    assert merged.quote_type_names == [*base.quote_type_names, "rhetorical"]
    assert merged.topic_names == ["climate"]
    assert merged.question("region") is not None
    assert merged.speech_verbs == [*base.speech_verbs, "quipped"]


def test_merge_keeps_base_unchanged() -> None:
    base = default_schema()
    before = base.model_copy(deep=True)
    merged, _ = merge_schemas(base, incoming_schema())
    assert base == before
    per = merged.entity_type("PER")
    assert per == before.entity_type("PER")  # base's colour and hotkey win
    favor = next(p for p in merged.polarities if p.name == "favor")
    assert favor.key == "f"
    assert merged.name == base.name
    assert merged.guidelines == base.guidelines


def test_merge_drops_a_clashing_hotkey_of_an_added_type() -> None:
    merged, _ = merge_schemas(default_schema(), incoming_schema())
    weapon = merged.entity_type("WEAPON")
    law = merged.entity_type("LAW")
    assert weapon is not None
    assert law is not None
    assert weapon.hotkey is None
    assert law.hotkey == 8
    hotkey_one = merged.entity_type_for_hotkey(1)
    assert hotkey_one is not None
    assert hotkey_one.name == "PER"


def test_merge_drops_a_clashing_polarity_key_of_an_added_polarity() -> None:
    merged, _ = merge_schemas(default_schema(), incoming_schema())
    mixed = next(p for p in merged.polarities if p.name == "mixed")
    assert mixed.key is None


def test_merge_is_idempotent() -> None:
    merged, _ = merge_schemas(default_schema(), incoming_schema())
    again, added = merge_schemas(merged, incoming_schema())
    assert added == []
    assert again == merged


def test_merge_with_nothing_new_adds_nothing() -> None:
    base = default_schema()
    merged, added = merge_schemas(base, Schema())
    assert added == []
    assert merged == base


def test_merged_schema_round_trips() -> None:
    merged, _ = merge_schemas(default_schema(), incoming_schema())
    assert Schema.from_toml(merged.to_toml()) == merged
