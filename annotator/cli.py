"""The command line: init, import, export, stats, demo, gui."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from annotator import __version__
from annotator.domain.errors import AnnotatorError
from annotator.domain.schema import Schema, default_schema
from annotator.formats.article_records import FieldMapping
from annotator.formats.export_types import ExportOptions
from annotator.services import exporting, importing, stats
from annotator.storage.project import Project

app = typer.Typer(
    name="annotator",
    help="Annotate news articles with entities, quotes and stances.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# soft_wrap: paths and messages stay on one line when the output is not a terminal.
out = Console(soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"annotator: {message}", markup=False, soft_wrap=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        out.print(f"annotator {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Annotator: read news articles and mark entities, quotes and stances."""


ProjectArg = Annotated[Path, typer.Argument(help="The project file.")]


def _open(path: Path, *, read_only: bool = False) -> Project:
    return Project.open(path, read_only=read_only)


@app.command()
def init(
    project: ProjectArg,
    schema: Annotated[
        Path | None, typer.Option("--schema", help="A schema file (TOML or JSON).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="The project's name.")] = None,
) -> None:
    """Create a new project file."""
    label_schema = Schema.load(schema) if schema else default_schema()
    with Project.create(project, schema=label_schema, name=name):
        pass
    out.print(f"Created {project} with {len(label_schema.entity_types)} entity types.")


def _progress(transient: bool = True) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=transient,
        disable=not err.is_terminal,
    )


@app.command("import")
def import_(
    project: ProjectArg,
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or .zip archives.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="auto (by name and content), txt, html, jsonl, json, csv, native, "
            "label-studio, doccano, prodigy, brat or spacy.",
        ),
    ] = "auto",
    text_field: Annotated[str | None, typer.Option(help="JSONL/CSV: the text field.")] = None,
    title_field: Annotated[str | None, typer.Option(help="JSONL/CSV: the title field.")] = None,
    source_field: Annotated[str | None, typer.Option(help="JSONL/CSV: the outlet field.")] = None,
    date_field: Annotated[str | None, typer.Option(help="JSONL/CSV: the date field.")] = None,
    url_field: Annotated[str | None, typer.Option(help="JSONL/CSV: the URL field.")] = None,
    id_field: Annotated[str | None, typer.Option(help="JSONL/CSV: the external id field.")] = None,
    label_map: Annotated[
        list[str] | None,
        typer.Option("--map", help="Rename a label of the file: --map PERSON=PER (repeatable)."),
    ] = None,
    add_labels: Annotated[
        bool, typer.Option("--add-labels", help="Add labels the schema lacks instead of refusing.")
    ] = False,
    annotator: Annotated[
        str | None,
        typer.Option(
            "--annotator", help="Whose labels these are (default: the names in the file)."
        ),
    ] = None,
    trim_boilerplate: Annotated[
        bool,
        typer.Option(
            "--trim-boilerplate",
            help="Text files: drop site furniture lines (Skip to content, Close, copyright) at "
            "the start and end, and list what was dropped.",
        ),
    ] = False,
) -> None:
    """Import articles, or annotations from Label Studio, doccano, Prodigy, brat or spaCy."""
    from annotator.services.foreign import LabelPolicy

    mapping = FieldMapping().with_overrides(
        text=text_field,
        title=title_field,
        source=source_field,
        published=date_field,
        url=url_field,
        external_id=id_field,
    )
    renames: dict[str, str] = {}
    for pair in label_map or []:
        source, sep, target = pair.partition("=")
        if not sep or not source.strip() or not target.strip():
            fail(f"--map takes SOURCE=TARGET, not {pair!r}")
        renames[source.strip()] = target.strip()
    with _open(project) as opened, _progress() as bar:
        task = bar.add_task("Importing", total=None)
        report = importing.import_paths(
            opened,
            paths,
            fmt=fmt,
            mapping=mapping,
            labels=LabelPolicy(mapping=renames, add_unknown=add_labels),
            annotator=annotator,
            trim_boilerplate=trim_boilerplate,
            progress=lambda n: bar.advance(task, n),
        )
    for file in report.files:
        if file.error:
            err.print(f"annotator: {file.error} (nothing imported from this file)", markup=False)
        for added in file.schema_added:
            out.print(f"{file.path.name}: added {added} to the schema", markup=False)
        if file.trimmed:
            out.print(
                f"{file.path.name}: trimmed {', '.join(map(repr, file.trimmed))}", markup=False
            )
        for warning in file.warnings:
            out.print(f"warning: {warning}", markup=False)
    summary = f"Imported {report.imported} article(s)"
    if report.sets:
        summary += f" and {report.sets} annotation set(s)"
    summary += f"; skipped {report.duplicates} duplicate article(s)"
    if report.already_imported:
        summary += f" and {report.already_imported} set(s) already imported"
    summary += f"; {len(report.failed)} file(s) failed."
    out.print(summary, markup=False)
    for file in report.files:
        if file.duplicates:
            shown = ", ".join(file.duplicates[:5]) + (" …" if len(file.duplicates) > 5 else "")
            out.print(f"  {file.path.name}: duplicates skipped: {shown}", markup=False)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def export(
    project: ProjectArg,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="jsonl (native, lossless), spacy, conll, hf, brat, label-studio, doccano, "
            "prodigy, quotes or stances.",
        ),
    ] = "jsonl",
    out_path: Annotated[
        Path, typer.Option("--out", help="The file (jsonl) or folder (the others) to write.")
    ] = Path("export.jsonl"),
    source: Annotated[
        str, typer.Option(help="Whose labels: gold, annotator:NAME, all or latest.")
    ] = "latest",
    split: Annotated[
        str | None, typer.Option(help="Shares per split, e.g. train=0.8,dev=0.1,test=0.1.")
    ] = None,
    split_by: Annotated[
        str, typer.Option(help="Keep together: article, source (outlet) or date (month).")
    ] = "article",
    seed: Annotated[int, typer.Option(help="Seed of the split shuffle.")] = 13,
    layers: Annotated[
        str | None, typer.Option(help="Some of entities,quotes,stances (default: all).")
    ] = None,
    tag_layer: Annotated[
        str, typer.Option(help="conll/hf tags: entities, quotes or cues.")
    ] = "entities",
    scheme: Annotated[str, typer.Option(help="conll tags: iob2 or bioes.")] = "iob2",
    align: Annotated[
        str, typer.Option(help="Spans cutting tokens: expand (to whole tokens) or drop.")
    ] = "expand",
    lang: Annotated[str, typer.Option(help="spaCy language when an article has none.")] = "xx",
) -> None:
    """Export the project: native JSONL, or a training dataset split leak-free."""
    if fmt == "jsonl":
        with _open(project, read_only=True) as opened, _progress() as bar:
            task = bar.add_task("Exporting", total=opened.articles.count())
            report = exporting.export_project(
                opened, out_path, fmt=fmt, progress=lambda n: bar.advance(task, n)
            )
        out.print(f"Wrote {report.articles} article(s) and {report.sets} set(s) to {report.path}.")
        return
    if tag_layer not in ("entities", "quotes", "cues"):
        fail(f"--tag-layer takes entities, quotes or cues, not {tag_layer!r}")
    if scheme not in ("iob2", "bioes"):
        fail(f"--scheme takes iob2 or bioes, not {scheme!r}")
    if align not in ("expand", "drop"):
        fail(f"--align takes expand or drop, not {align!r}")
    request = exporting.DatasetRequest(
        fmt=fmt,
        out=out_path,
        source=source,
        splits=exporting.parse_splits(split),
        split_by=split_by,
        seed=seed,
        options=ExportOptions(
            layers=exporting.parse_layers(layers),
            tag_layer=tag_layer,
            scheme=scheme,
            align=align,
            lang=lang,
        ),
        command=" ".join(["annotator", *sys.argv[1:]]),
    )
    with _open(project, read_only=True) as opened, _progress() as bar:
        task = bar.add_task("Exporting", total=opened.articles.count())
        written = exporting.export_dataset(opened, request, progress=lambda n: bar.advance(task, n))
    documents = ", ".join(f"{split}: {n}" for split, n in written.documents.items()) or "none"
    out.print(f"Wrote {fmt} to {written.out} (documents per split: {documents}).", markup=False)
    for reason, count in sorted(written.dropped.items()):
        out.print(f"  not written: {reason}: {count}", markup=False)
    for note in written.notes:
        out.print(f"  note: {note}", markup=False)


@app.command("stats")
def stats_(
    project: ProjectArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Articles, annotators, labels per layer and label, status counts."""
    with _open(project, read_only=True) as opened:
        data = stats.project_stats(opened)
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    out.print(f"[bold]{data['project']}[/bold]  {data['path']}")
    out.print(f"Articles: {data['articles']}   gold sets: {data['gold_sets']}")
    status = ", ".join(f"{k}: {v}" for k, v in data["status"].items())
    out.print(f"Annotation sets by status: {status}")
    if data["annotators"]:
        table = Table("annotator", *data["status"].keys(), title="Annotators")
        for row in data["annotators"]:
            table.add_row(row["name"], *(str(v) for v in row["sets"].values()))
        out.print(table)
    labels = Table("layer", "label", "count", title="Labels (annotators' sets)")
    for layer, counts in data["labels"].items():
        for label, count in sorted(counts.items()):
            labels.add_row(layer, label, str(count))
    out.print(labels)


@app.command()
def demo(
    no_gui: Annotated[
        bool, typer.Option("--no-gui", help="Only create the project and print its path.")
    ] = False,
) -> None:
    """Create (or reuse) the demo project with the sample articles and open it."""
    from annotator.services.demo import ensure_demo_project
    from annotator.settings import data_dir

    path = ensure_demo_project(data_dir())
    out.print(str(path), markup=False, highlight=False)
    if not no_gui:
        _run_gui(path)


@app.command()
def gui(project: Annotated[Path | None, typer.Argument(help="The project file.")] = None) -> None:
    """Open the annotation window."""
    _run_gui(project)


def _run_gui(project: Path | None) -> None:
    try:
        from annotator.app import run
    except ImportError as error:  # Qt missing or broken on this machine
        fail(f"the window cannot start: {error}")
    raise typer.Exit(run(project))


def main() -> None:
    """Entry point: user mistakes end as one sentence on stderr and a non-zero exit code."""
    try:
        app()
    except AnnotatorError as error:
        err.print(f"annotator: {error}", markup=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("annotator: interrupted")
        sys.exit(130)
