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
    by_article = ", ".join(f"{k}: {v}" for k, v in data["articles_by_status"].items())
    out.print(f"Articles by status (least advanced set): {by_article}")
    out.print(f"Items flagged unsure: {data['unsure_total']}")
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
def backup(
    project: ProjectArg,
    list_only: Annotated[
        bool, typer.Option("--list", help="List the backups, newest first.")
    ] = False,
    keep: Annotated[
        int | None, typer.Option("--keep", min=1, help="Keep this many backups (default 10).")
    ] = None,
) -> None:
    """Back the project up (safe while it is open), into PROJECT.backups/ beside it."""
    from annotator.services import backup as backups

    with _open(project, read_only=True) as opened:
        project_id = opened.project_id
        if not list_only:
            made = backups.create_backup(
                opened, reason="cli", keep=keep if keep is not None else backups.DEFAULT_KEEP
            )
            out.print(f"Backed up to {made.path} ({backups.human_size(made.size)}).", markup=False)
        elif keep is not None:
            removed = backups.prune_backups(project, keep, project_id)
            out.print(f"Deleted {len(removed)} old backup(s).")
    found = backups.list_backups(project, project_id)
    if list_only:
        table = Table("time", "reason", "size", "file", title=f"Backups of {project.name}")
        for info in found:
            table.add_row(
                f"{info.created.astimezone():%Y-%m-%d %H:%M:%S}",
                info.reason,
                backups.human_size(info.size),
                str(info.path),
            )
        out.print(table if found else "No backups yet.")


@app.command()
def restore(
    project: ProjectArg,
    backup_file: Annotated[Path, typer.Argument(help="The backup to restore (see backup --list).")],
) -> None:
    """Replace the project's content with a backup (the current state is backed up first)."""
    from annotator.services import backup as backups

    report = backups.restore_backup(project, backup_file)
    if report.safety_backup is not None:
        out.print(f"Backed up the current state to {report.safety_backup.path}.", markup=False)
    if report.moved_aside is not None:
        out.print(
            f"The project could not be opened ({report.damaged_reason}); "
            f"kept it as {report.moved_aside}.",
            markup=False,
        )
    out.print(f"Restored {project} from {report.restored_from}.", markup=False)


@app.command()
def doctor(
    project: ProjectArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check a project file (integrity, spans, orphans, schema); exit 1 on problems."""
    from annotator.services.doctor import examine

    report = examine(project)
    if as_json:
        sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        colours = {"ok": "green", "warning": "yellow", "error": "red"}
        table = Table("check", "result", "findings", title=f"annotator doctor {project}")
        for check in report.checks:
            colour = colours[check.status]
            table.add_row(
                check.name, f"[{colour}]{check.status}[/{colour}]", str(check.total or "")
            )
        out.print(table)
        for check in report.checks:
            for finding in check.findings:
                out.print(f"{check.name}: {finding.severity}: {finding.message}", markup=False)
            if check.total > len(check.findings):
                more = check.total - len(check.findings)
                out.print(f"{check.name}: … and {more} more", markup=False)
        counts = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in report.counts.items())
        if counts:
            out.print(counts, markup=False)
        verdict = "no problems" if report.ok else f"{report.errors} problem(s)"
        out.print(f"{verdict}, {report.warnings} warning(s).", markup=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def assign(
    project: ProjectArg,
    annotators: Annotated[
        str | None,
        typer.Option("--annotators", help="Names, comma-separated (new ones are added)."),
    ] = None,
    per_article: Annotated[
        int | None,
        typer.Option(
            "--per-article",
            min=1,
            help="Each article by this many of them (round robin, balanced); "
            "without it each of them gets every article.",
        ),
    ] = None,
    articles: Annotated[
        str | None,
        typer.Option(
            help="Only these: ids, external ids or numbers and ranges (1-50), comma-separated."
        ),
    ] = None,
    remove: Annotated[
        bool, typer.Option("--remove", help="Take the articles back (labels stay).")
    ] = False,
    list_only: Annotated[
        bool, typer.Option("--list", help="Show who has which articles and their progress.")
    ] = False,
) -> None:
    """Assign articles to annotators, e.g. each article by 2 of alice,bob,carol."""
    from annotator.services import assigning

    names = [n for n in (annotators or "").split(",") if n.strip()]
    specs = [s for s in (articles or "").split(",") if s.strip()] or None
    if list_only:
        with _open(project, read_only=True) as opened:
            _print_assignments(opened, names)
        return
    if not names:
        fail("name the annotators: --annotators alice,bob (or use --list)")
    with _open(project) as opened:
        if remove:
            removed = assigning.unassign_articles(opened, annotators=names, articles=specs)
            out.print(f"Unassigned {len(removed)} article(s); their labels stay.", markup=False)
            return
        report = assigning.assign_articles(
            opened, annotators=names, per_article=per_article, articles=specs
        )
    shares = ", ".join(f"{name} +{n}" for name, n in report.new_per_annotator.items())
    out.print(
        f"Assigned {len(report.added)} article(s) over {report.articles} article(s) "
        f"({shares}); {report.kept} assignment(s) were there already.",
        markup=False,
    )


def _print_assignments(opened: Project, names: list[str]) -> None:
    from annotator.services import assigning

    overview = assigning.assignment_overview(opened)
    statuses = list(next(iter(overview.annotators)).status) if overview.annotators else []
    short = {"in_progress": "started", "needs_rework": "rework", "approved": "approved"}
    table = Table(
        "annotator",
        "assigned",
        *(short.get(s, s) for s in statuses),
        "elsewhere",
        title="Assignments: status of each one's own sets ('elsewhere': on unassigned articles)",
    )
    for row in overview.annotators:
        if names and row.annotator.name.casefold() not in {n.strip().casefold() for n in names}:
            continue
        reviewer = " (reviewer)" if "reviewer" in row.annotator.roles else ""
        table.add_row(
            row.annotator.name + reviewer,
            str(row.assigned),
            *(str(row.status[s]) for s in statuses),
            str(row.unassigned_sets),
        )
    out.print(table)
    coverage = ", ".join(f"{n} annotator(s): {count}" for n, count in overview.coverage.items())
    out.print(f"Articles ({overview.articles}) by number of annotators: {coverage}", markup=False)
    for person in assigning.resolve_annotators(opened, names, create=False) if names else []:
        status = {i.article_id: i.status for i in opened.sets.for_annotator(person.id)}
        titles = {s.id: s.display_title for s in opened.articles.summaries()}
        for article_id in opened.assignments.articles_of(person.id):
            state = status.get(article_id, "todo")
            out.print(f"  {person.name}  {state:<12} {titles[article_id]}", markup=False)


@app.command()
def pack(
    project: ProjectArg,
    annotator: Annotated[str, typer.Option("--annotator", help="Whose pack.")],
    out_path: Annotated[Path, typer.Option("--out", help="The pack file to write (new).")],
    all_articles: Annotated[
        bool, typer.Option("--all", help="Every article, not only the assigned ones.")
    ] = False,
) -> None:
    """Write a project file with one annotator's articles and labels, to work on apart."""
    from annotator.services.packing import pack_for_annotator

    with _open(project) as opened:
        report = pack_for_annotator(
            opened, annotator=annotator, out=out_path, all_articles=all_articles
        )
    which = "assigned" if report.scope == "assigned" else "all (the project assigns none)"
    if all_articles:
        which = "all, as asked"
    out.print(
        f"Packed {report.articles} article(s) ({which}) and {report.sets} set(s) of "
        f"{report.annotator} into {report.path}.",
        markup=False,
    )


@app.command()
def merge(
    project: ProjectArg,
    files: Annotated[list[Path], typer.Argument(help="Annotators' pack files.")],
    prefer: Annotated[
        str | None,
        typer.Option(help="When both sides changed a set: theirs (the pack's) or ours."),
    ] = None,
    add_articles: Annotated[
        bool, typer.Option("--add-articles", help="Add articles imported into a pack.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would happen; write nothing.")
    ] = False,
) -> None:
    """Bring annotators' packs back; conflicts are reported, never overwritten (exit 1)."""
    from annotator.services.packing import Outcome, merge_packs

    if prefer not in (None, "theirs", "ours"):
        fail(f"--prefer takes theirs or ours, not {prefer!r}")
    with _open(project) as opened:
        report = merge_packs(
            opened, files, prefer=prefer, add_articles=add_articles, dry_run=dry_run
        )
    for file in report.files:
        if file.error:
            err.print(f"annotator: {file.error}", markup=False)
            continue
        out.print(f"{file.path.name}: {file.summary()}", markup=False)
        for item in file.sets:
            if item.outcome in (Outcome.UNCHANGED, Outcome.ADDED):
                continue
            what = f"  {item.outcome}: {item.annotator} on {item.article_title!r}"
            if item.outcome is Outcome.CONFLICT:
                what += (
                    f" (set {item.project_set_id}) changed in both since the pack; "
                    "kept the project's"
                )
            out.print(what + (f" ({item.reason})" if item.reason else ""), markup=False)
            for line in item.differences:
                out.print(f"    {line}", markup=False)
    if dry_run:
        out.print("Dry run: nothing was written.")
    if report.conflicts:
        out.print(
            f"{len(report.conflicts)} conflict(s): the project's versions were kept. Rerun with "
            "--prefer theirs to take the packs' versions, or --prefer ours to keep these.",
            markup=False,
        )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def suggest(
    project: ProjectArg,
    as_name: Annotated[
        str, typer.Option("--as", help="The annotator whose sets receive the suggestions.")
    ],
    kinds: Annotated[
        str, typer.Option("--kinds", help="Some of entities,quotes (default: both).")
    ] = "entities,quotes",
    gazetteer: Annotated[
        Path | None,
        typer.Option("--gazetteer", help="Add a LABEL<TAB>PHRASE file to the project gazetteer."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="An installed spaCy pipeline (or its folder) for entities."),
    ] = None,
    status: Annotated[
        str, typer.Option(help="Status of the written sets: todo, in_progress or done.")
    ] = "done",
) -> None:
    """Pre-annotate every article as a named annotator, to compare with people's labels."""
    from annotator.domain.annotations import SetStatus
    from annotator.services import suggestions as suggesting
    from annotator.services.gazetteer import import_gazetteer

    chosen = suggesting.parse_kinds(kinds)
    if status not in ("todo", "in_progress", "done"):
        fail(f"--status takes todo, in_progress or done, not {status!r}")
    loaded = suggesting.load_model(model)
    with _open(project) as opened, _progress() as bar:
        if gazetteer is not None:
            added = import_gazetteer(opened, gazetteer, actor=f"suggest ({as_name})")
            out.print(
                f"Gazetteer {gazetteer.name}: {added.read} phrase(s), {added.changed} new or "
                f"relabelled; the project gazetteer has {added.total}.",
                markup=False,
            )
        task = bar.add_task("Suggesting", total=opened.articles.count())
        report = suggesting.pre_annotate(
            opened,
            as_name,
            kinds=chosen,
            model=loaded,
            status=SetStatus(status),
            progress=lambda n: bar.advance(task, n),
        )
    added_text = ", ".join(f"{n} {what}" for what, n in sorted(report.added.items())) or "nothing"
    out.print(
        f"Suggested on {report.articles} article(s) as {report.annotator}: wrote "
        f"{report.sets_written} set(s), added {added_text}.",
        markup=False,
    )
    if report.by_source:
        sources = ", ".join(f"{source}: {n}" for source, n in sorted(report.by_source.items()))
        out.print(f"  by source: {sources}", markup=False)
    if report.skipped_rejected:
        out.print(
            f"  left out {report.skipped_rejected} suggestion(s) rejected before", markup=False
        )
    for label, n in sorted(report.unmapped_model_labels.items()):
        out.print(f"  not written: model label {label} has no schema label: {n}", markup=False)


@app.command("agreement")
def agreement_(
    project: ProjectArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    layer: Annotated[
        str | None,
        typer.Option("--layer", help="Some of entities,quotes,stances,documents (default: all)."),
    ] = None,
    annotators: Annotated[
        str | None,
        typer.Option("--annotators", help="Compare only these, e.g. ana,ben (default: all)."),
    ] = None,
) -> None:
    """Inter-annotator agreement per layer and label: F1, unitizing alpha, kappas, chains."""
    from annotator.services import agreement

    with _open(project, read_only=True) as opened, _progress() as bar:
        task = bar.add_task("Comparing", total=opened.articles.count())
        report = agreement.compute(
            opened, layers=layer, annotators=annotators, progress=lambda n: bar.advance(task, n)
        )
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    if report.articles_compared == 0:
        fail(report.notes[0])
    if not as_json:
        _print_agreement(report)


def _print_agreement(report: object) -> None:
    from rich.markup import escape

    from annotator.services.agreement import AgreementReport, format_value

    assert isinstance(report, AgreementReport)
    fmt = format_value
    # Piped output would be cut to 80 columns; the tables need more.
    out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
    out.print(
        f"[bold]{escape(report.project)}[/bold]: {report.articles_compared} article(s) labelled "
        f"by two or more of {escape(', '.join(report.annotators))} ({report.sets_compared} sets; "
        f"{report.articles_single} article(s) with fewer than two annotators' labels left out)",
        highlight=False,
    )
    if report.spans:
        spans = Table(
            "layer", "label", "spans", "exact F1", "matched/unmatched", "overlap F1",
            "matched/unmatched", "α_u pooled", "α_u per-doc mean (docs)",
            title="Spans (F1 over annotator pairs; α_u: Krippendorff's unitizing alpha)",
        )  # fmt: skip
        for row in report.spans:
            spans.add_row(
                row.layer, row.label, str(row.spans), fmt(row.exact_f1),
                f"{row.matched_exact}/{row.unmatched_exact}", fmt(row.overlap_f1),
                f"{row.matched_overlap}/{row.unmatched_overlap}", fmt(row.alpha_pooled),
                f"{fmt(row.alpha_document_mean)} ({row.alpha_documents})",
            )  # fmt: skip
        out.print(spans)
    if report.chains:
        chains = Table(
            "chain", "step", "metric", "value", "matched", "unmatched",
            title="Structure: detection, then what hangs on the matched items",
        )  # fmt: skip
        for step in report.chains:
            chains.add_row(
                step.chain, step.step, step.metric, fmt(step.value), str(step.matched),
                str(step.unmatched),
            )  # fmt: skip
        out.print(chains)
    if report.nominal:
        nominal = Table(
            "layer", "item", "items", "% agree", "Cohen κ (pairs)", "Fleiss κ (items×raters)",
            "Krippendorff α", "ordinal α", title="Values of matched items (nominal; ordinal α: "
            "against < neutral < favor)",
        )  # fmt: skip
        for n in report.nominal:
            nominal.add_row(
                n.layer, n.label, str(n.items), fmt(n.percent_agreement),
                f"{fmt(n.cohen_kappa)} ({n.cohen_pairs})",
                f"{fmt(n.fleiss_kappa)} ({n.fleiss_items}×{n.fleiss_raters})",
                fmt(n.krippendorff_alpha), fmt(n.ordinal_alpha) if n.ordinal_order else "",
            )  # fmt: skip
        out.print(nominal)
    names = report.annotators
    headline = [
        m for m in report.pair_metrics()
        if "(all) · overlap" in m or ": 1 " in m or ": 2 " in m or m.startswith("documents")
    ] or report.pair_metrics()[:1]  # fmt: skip
    for metric in headline:
        cells = {(c.first, c.second): c for c in report.pairs if c.metric == metric}
        agreement_of_values = "κ" in metric or "accuracy" in metric
        counts = "agreeing/disagreeing" if agreement_of_values else "matched/unmatched"
        matrix = Table("", *names, title=f"Pairs: {metric} ({counts})")
        for first in names:
            row_cells = []
            for second in names:
                cell = cells.get((first, second)) or cells.get((second, first))
                row_cells.append(
                    "·" if first == second or cell is None
                    else f"{fmt(cell.value)} ({cell.matched}/{cell.unmatched})"
                )  # fmt: skip
            matrix.add_row(first, *row_cells)
        out.print(matrix)
    for note in report.notes:
        out.print(f"note: {note}", markup=False, highlight=False)


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
