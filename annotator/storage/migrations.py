"""Named migrations of the project file. Never edit one after release; add the next."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

MIGRATION_SET = "annotator"
migrations = Migrations(MIGRATION_SET)

_INITIAL = """
CREATE TABLE project (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE schema_versions (
    version INTEGER PRIMARY KEY,
    schema_json TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL UNIQUE,
    text TEXT NOT NULL CHECK (length(text) > 0),
    text_length INTEGER NOT NULL CHECK (text_length > 0),
    sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    title TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    published TEXT,
    url TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'en',
    external_id TEXT,
    meta TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX articles_external_id ON articles(external_id);
CREATE INDEX articles_source ON articles(source);

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content='articles', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2', detail=none
);

CREATE TABLE annotators (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    roles TEXT NOT NULL DEFAULT '["annotator"]',
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE annotation_sets (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    annotator_id TEXT NOT NULL REFERENCES annotators(id),
    kind TEXT NOT NULL DEFAULT 'annotation' CHECK (kind IN ('annotation', 'gold')),
    status TEXT NOT NULL DEFAULT 'todo'
        CHECK (status IN ('todo', 'in_progress', 'done', 'approved', 'needs_rework')),
    text_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (article_id, annotator_id, kind)
) STRICT;
CREATE INDEX annotation_sets_annotator ON annotation_sets(annotator_id, status);
CREATE UNIQUE INDEX annotation_sets_one_gold ON annotation_sets(article_id) WHERE kind = 'gold';

CREATE TABLE entities (
    id TEXT PRIMARY KEY,
    set_id TEXT NOT NULL REFERENCES annotation_sets(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    kb_id TEXT,
    unsure INTEGER NOT NULL DEFAULT 0 CHECK (unsure IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    provenance TEXT,
    UNIQUE (set_id, id)
) STRICT;

CREATE TABLE mentions (
    id TEXT PRIMARY KEY,
    set_id TEXT NOT NULL REFERENCES annotation_sets(id) ON DELETE CASCADE,
    start INTEGER NOT NULL CHECK (start >= 0),
    "end" INTEGER NOT NULL CHECK ("end" > start),
    label TEXT NOT NULL,
    entity_id TEXT,
    unsure INTEGER NOT NULL DEFAULT 0 CHECK (unsure IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    provenance TEXT,
    UNIQUE (set_id, id),
    FOREIGN KEY (set_id, entity_id) REFERENCES entities(set_id, id)
) STRICT;
CREATE INDEX mentions_set_start ON mentions(set_id, start, "end");
CREATE INDEX mentions_entity ON mentions(entity_id);

CREATE TABLE quotes (
    id TEXT PRIMARY KEY,
    set_id TEXT NOT NULL REFERENCES annotation_sets(id) ON DELETE CASCADE,
    start INTEGER NOT NULL CHECK (start >= 0),
    "end" INTEGER NOT NULL CHECK ("end" > start),
    quote_type TEXT NOT NULL,
    speaker_id TEXT,
    cue_start INTEGER,
    cue_end INTEGER,
    unsure INTEGER NOT NULL DEFAULT 0 CHECK (unsure IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    provenance TEXT,
    CHECK ((cue_start IS NULL) = (cue_end IS NULL)),
    CHECK (cue_start IS NULL OR (cue_start >= 0 AND cue_end > cue_start)),
    UNIQUE (set_id, id),
    FOREIGN KEY (set_id, speaker_id) REFERENCES mentions(set_id, id)
) STRICT;
CREATE INDEX quotes_set_start ON quotes(set_id, start);
CREATE INDEX quotes_speaker ON quotes(speaker_id);

CREATE TABLE stances (
    id TEXT PRIMARY KEY,
    set_id TEXT NOT NULL REFERENCES annotation_sets(id) ON DELETE CASCADE,
    holder_id TEXT NOT NULL,
    target_entity_id TEXT,
    target_topic TEXT,
    polarity TEXT NOT NULL,
    confidence REAL CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1)),
    unsure INTEGER NOT NULL DEFAULT 0 CHECK (unsure IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    provenance TEXT,
    CHECK ((target_entity_id IS NULL) <> (target_topic IS NULL)),
    UNIQUE (set_id, id),
    FOREIGN KEY (set_id, holder_id) REFERENCES entities(set_id, id),
    FOREIGN KEY (set_id, target_entity_id) REFERENCES entities(set_id, id)
) STRICT;
CREATE INDEX stances_set ON stances(set_id);
CREATE INDEX stances_holder ON stances(holder_id);
CREATE INDEX stances_target ON stances(target_entity_id);

CREATE TABLE stance_evidence (
    id TEXT PRIMARY KEY,
    set_id TEXT NOT NULL,
    stance_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    start INTEGER NOT NULL CHECK (start >= 0),
    "end" INTEGER NOT NULL CHECK ("end" > start),
    quote_id TEXT,
    unsure INTEGER NOT NULL DEFAULT 0 CHECK (unsure IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    provenance TEXT,
    FOREIGN KEY (set_id, stance_id) REFERENCES stances(set_id, id) ON DELETE CASCADE,
    FOREIGN KEY (set_id, quote_id) REFERENCES quotes(set_id, id)
) STRICT;
CREATE INDEX stance_evidence_stance ON stance_evidence(stance_id, position);
CREATE INDEX stance_evidence_quote ON stance_evidence(quote_id);

CREATE TABLE document_labels (
    id TEXT PRIMARY KEY,
    set_id TEXT NOT NULL REFERENCES annotation_sets(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    "values" TEXT NOT NULL,
    unsure INTEGER NOT NULL DEFAULT 0 CHECK (unsure IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    provenance TEXT,
    UNIQUE (set_id, question)
) STRICT;

CREATE TABLE review_comments (
    id TEXT PRIMARY KEY,
    set_id TEXT NOT NULL REFERENCES annotation_sets(id) ON DELETE CASCADE,
    item_id TEXT,
    author_id TEXT NOT NULL REFERENCES annotators(id),
    text TEXT NOT NULL CHECK (length(text) > 0),
    resolved INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX review_comments_set ON review_comments(set_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT,
    detail TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX audit_log_target ON audit_log(target_type, target_id);
"""


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    for statement in _split(_INITIAL):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")


_REVIEW_AND_SUGGESTIONS = """
CREATE TABLE assignments (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    annotator_id TEXT NOT NULL REFERENCES annotators(id) ON DELETE CASCADE,
    assigned_at TEXT NOT NULL,
    assigned_by TEXT,
    PRIMARY KEY (article_id, annotator_id)
) STRICT;
CREATE INDEX assignments_annotator ON assignments(annotator_id);

CREATE TABLE suggestion_decisions (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    annotator_id TEXT REFERENCES annotators(id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    key TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
    source TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (article_id, annotator_id, layer, key)
) STRICT;
CREATE INDEX suggestion_decisions_article ON suggestion_decisions(article_id);
"""


@migrations(name="0002_assignments_and_suggestions")
def _assignments_and_suggestions(db: Database) -> None:
    """Who annotates which article (review), and remembered suggestion decisions."""
    for statement in _split(_REVIEW_AND_SUGGESTIONS):
        db.execute(statement)
    db.execute("PRAGMA user_version = 2")


def _split(script: str) -> list[str]:
    """Split a DDL script into statements (sqlite3's executescript would commit)."""
    import sqlite3

    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete SQL statement in migration: {current.strip()[:60]}")
    return statements


#: The file format this version writes; files with a higher ``user_version`` are refused.
FILE_FORMAT_VERSION = 2
