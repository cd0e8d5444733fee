"""A project: the open database with its repositories, built in one place."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from annotator import __version__
from annotator.domain.base import utc_now
from annotator.domain.ids import new_id
from annotator.domain.schema import Schema
from annotator.storage.annotation_sets import AnnotationSetRepository
from annotator.storage.annotators import AnnotatorRepository
from annotator.storage.articles import ArticleRepository
from annotator.storage.assignments import AssignmentRepository
from annotator.storage.audit import AuditRepository
from annotator.storage.database import ProjectDatabase, create_project, open_project
from annotator.storage.reviews import ReviewRepository
from annotator.storage.rows import dump_time
from annotator.storage.schemas import SchemaRepository
from annotator.storage.suggestions import SuggestionRepository


class Project:
    """The repositories of one open project file."""

    def __init__(self, database: ProjectDatabase) -> None:
        self.database = database
        self.articles = ArticleRepository(database)
        self.annotators = AnnotatorRepository(database)
        self.schemas = SchemaRepository(database)
        self.sets = AnnotationSetRepository(database)
        self.reviews = ReviewRepository(database)
        self.audit = AuditRepository(database)
        self.suggestions = SuggestionRepository(database)
        self.assignments = AssignmentRepository(database)

    @property
    def path(self) -> Path:
        return self.database.path

    @property
    def read_only(self) -> bool:
        return self.database.read_only

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> Project:
        return cls(open_project(path, read_only=read_only))

    @classmethod
    def create(cls, path: Path | str, *, schema: Schema, name: str | None = None) -> Project:
        """A new project file with its identity and first schema version."""
        database = create_project(path)
        project = cls(database)
        with database.transaction() as conn:
            conn.executemany(
                "INSERT INTO project (key, value) VALUES (?, ?)",
                [
                    ("project_id", new_id()),
                    ("name", name or Path(path).stem),
                    ("created_at", dump_time(utc_now())),
                    ("created_by", f"annotator {__version__}"),
                ],
            )
            project.schemas.save(schema, note="initial schema")
        return project

    def setting(self, key: str) -> str | None:
        row = self.database.conn.execute(
            "SELECT value FROM project WHERE key = ?", (key,)
        ).fetchone()
        return None if row is None else str(row[0])

    @property
    def project_id(self) -> str:
        return self.setting("project_id") or ""

    @property
    def name(self) -> str:
        return self.setting("name") or self.path.stem

    @property
    def schema(self) -> Schema:
        return self.schemas.current()

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
