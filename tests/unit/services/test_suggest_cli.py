"""`annotator suggest`: pre-annotating a whole project as a named annotator."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.domain.annotations import Mention, SetStatus
from annotator.domain.errors import InvalidDataError
from annotator.resources import resource
from annotator.services.model_suggestions import ModelSuggester, installed_models
from annotator.services.suggestions import SuggestionKind, pre_annotate
from annotator.storage.project import Project
from tests.unit.test_cli import run

SAMPLES = Path(str(resource("samples", "articles.jsonl")))
QUOTES = Path(str(resource("samples", "quotes.jsonl")))


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    assert run("init", "p.annotator", cwd=tmp_path).returncode == 0
    assert run("import", "p.annotator", str(SAMPLES), str(QUOTES), cwd=tmp_path).returncode == 0
    return tmp_path / "p.annotator"


def test_suggest_writes_a_named_annotators_sets(project_file: Path) -> None:
    with Project.open(project_file) as project:
        article = next(a for a in project.articles.iter_all() if "Halvorsen" in a.text)
        alice = project.annotators.get_or_create("alice")
        info = project.sets.get_or_create(article.id, alice.id)
        start = article.text.index("Halvorsen")
        project.sets.add(info.id, Mention(start=start, end=start + 9, label="PER"))
    result = run("suggest", project_file.name, "--as", "recommender", cwd=project_file.parent)
    assert result.returncode == 0, result.stderr
    assert "Suggested on 8 article(s) as recommender: wrote 8 set(s)" in result.stdout
    assert "quote direct" in result.stdout and "by source:" in result.stdout
    with Project.open(project_file) as project:
        bot = project.annotators.by_name("recommender")
        assert bot is not None
        sets = [project.sets.load(i.id) for i in project.sets.for_annotator(bot.id)]
        assert len(sets) == 8 and all(s.status is SetStatus.DONE for s in sets)
        norway = next(s for s in sets if s.article_id == article.id)
        text = article.text
        # Alice taught "Halvorsen": the recommender labels the other occurrences.
        people = [(m.start, m.end) for m in norway.mentions if m.label == "PER"]
        at = [n for n in range(len(text)) if text.startswith("Halvorsen", n)]
        assert len(at) >= 2 and all(any(s <= n < e for s, e in people) for n in at)
        by_start = {text[q.start : q.start + 22]: q for q in norway.quotes}
        rasa = by_start['"We asked for help, an']
        speaker = next(m for m in norway.mentions if m.id == rasa.speaker_id)
        assert text[speaker.start : speaker.end] == "Rasa Vaitkutė"
        assert rasa.cue is not None and text[slice(*rasa.cue)] == "said"
        assert rasa.provenance is not None and "suggested by quotes" in rasa.provenance.reason
        assert not norway.problems_against(article, project.schema)
        # Alice's own set is untouched.
        assert len(project.sets.load(info.id).mentions) == 1
    again = run("suggest", project_file.name, "--as", "recommender", cwd=project_file.parent)
    assert "wrote 0 set(s), added nothing" in again.stdout


def test_kinds_gazetteer_and_rejections(project_file: Path) -> None:
    gazetteer = project_file.parent / "names.tsv"
    gazetteer.write_text("ORG\tCoastal Alliance\nPER\tRasa Vaitkutė\n", "utf-8")
    with Project.open(project_file) as project:
        article = next(a for a in project.articles.iter_all() if "Coastal Alliance" in a.text)
        bot = project.annotators.get_or_create("bot")
        from annotator.storage.suggestions import Decision, DecisionRecord

        start = article.text.index("Coastal Alliance")
        project.suggestions.decide(
            [
                DecisionRecord(
                    article.id, bot.id, "mention", f"{start}-{start + 16}:ORG", Decision.REJECTED
                )
            ]
        )
    result = run(
        "suggest",
        project_file.name,
        "--as",
        "bot",
        "--kinds",
        "entities",
        "--gazetteer",
        "names.tsv",
        "--status",
        "in_progress",
        cwd=project_file.parent,
    )
    assert result.returncode == 0, result.stderr
    assert "Gazetteer names.tsv: 2 phrase(s), 2 new or relabelled" in result.stdout
    assert "left out 1 suggestion(s) rejected before" in result.stdout
    with Project.open(project_file) as project:
        bot = project.annotators.get_or_create("bot")
        sets = [project.sets.load(i.id) for i in project.sets.for_annotator(bot.id)]
        assert sets and all(not s.quotes for s in sets)
        assert all(s.status is SetStatus.IN_PROGRESS for s in sets)
        norway = next(s for s in sets if s.article_id == article.id)
        starts = {m.start for m in norway.mentions if m.label == "ORG"}
        assert start not in starts  # rejected: never comes back
        assert len(starts) == article.text.count("Coastal Alliance") - 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kinds", "stances"], "unknown suggestion kind 'stances' (known: entities, quotes)"),
        (["--status", "approved"], "--status takes todo, in_progress or done"),
        (["--model", "no_such_pipeline_xyz"], "spaCy pipeline 'no_such_pipeline_xyz' cannot"),
    ],
)
def test_bad_options_are_one_sentence(project_file: Path, args: list[str], message: str) -> None:
    result = run("suggest", project_file.name, "--as", "bot", *args, cwd=project_file.parent)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_gazetteer_names_the_line_and_writes_nothing(project_file: Path) -> None:
    (project_file.parent / "bad.tsv").write_text("PER\tAna\nPERSON\tBo Li\n", "utf-8")
    result = run(
        "suggest", project_file.name, "--as", "bot", "--gazetteer", "bad.tsv",
        cwd=project_file.parent,
    )  # fmt: skip
    assert result.returncode == 1
    assert "bad.tsv:2: label 'PERSON' is not in the schema" in result.stderr
    with Project.open(project_file) as project:
        assert project.suggestions.gazetteer() == []
        assert project.annotators.by_name("bot") is None


@pytest.fixture
def tiny_pipeline(tmp_path: Path) -> Path:
    """A spaCy pipeline made here (no download): a blank English tokenizer and a ruler."""
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "PERSON", "pattern": "Ingrid Halvorsen"},
            {"label": "GPE", "pattern": "Oslo"},
            {"label": "DATE", "pattern": "Wednesday"},
        ]
    )
    path = tmp_path / "tiny_ner"
    nlp.to_disk(path)
    return path


def test_model_entities_are_mapped_to_the_schema(project_file: Path, tiny_pipeline: Path) -> None:
    model = ModelSuggester(str(tiny_pipeline))
    with Project.open(project_file) as project:
        report = pre_annotate(project, "spacy", kinds={SuggestionKind.ENTITIES}, model=model)
        bot = project.annotators.get_or_create("spacy")
        article = next(a for a in project.articles.iter_all() if "Halvorsen" in a.text)
        stored = project.sets.load(project.sets.find(article.id, bot.id).id)  # type: ignore[union-attr]
    found = {(article.text[m.start : m.end], m.label) for m in stored.mentions}
    assert found == {("Ingrid Halvorsen", "PER"), ("Oslo", "GPE")}
    assert all(
        "model:tiny_ner" in (m.provenance.reason if m.provenance else "") for m in stored.mentions
    )
    assert report.by_source["model:tiny_ner"] >= 2
    assert report.unmapped_model_labels["DATE"] >= 1  # no DATE in the schema: counted, not lost


def test_model_option_through_the_cli(project_file: Path, tiny_pipeline: Path) -> None:
    result = run(
        "suggest", project_file.name, "--as", "spacy", "--kinds", "entities",
        "--model", str(tiny_pipeline), cwd=project_file.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "model:tiny_ner:" in result.stdout
    assert "not written: model label DATE has no schema label" in result.stdout


def test_a_pipeline_without_entities_is_refused(tmp_path: Path) -> None:
    spacy = pytest.importorskip("spacy")
    spacy.blank("en").to_disk(tmp_path / "blank")
    with pytest.raises(InvalidDataError, match="has no entity recogniser"):
        ModelSuggester(str(tmp_path / "blank"))


def test_installed_models_explains_an_empty_environment() -> None:
    choice = installed_models()
    # This environment has spaCy and no pipeline packages: the option is absent, with a reason.
    assert choice.names == []
    assert choice.reason is not None and "No spaCy pipeline" in choice.reason
    assert "\n" not in choice.reason
