"""Words and HTML for review units: short cells for the comparison, spans in context for details."""

from __future__ import annotations

from html import escape

from annotator.domain.annotations import DocumentLabel, Mention, Quote, Stance
from annotator.gui.review.review_text_view import annotator_color
from annotator.services.review import ArticleReview
from annotator.services.review_units import Group, GroupStatus, Unit

STATUS_TEXT = {
    GroupStatus.AGREED: "agreed",
    GroupStatus.PARTIAL: "partial",
    GroupStatus.CONFLICT: "conflict",
    GroupStatus.GOLD_ONLY: "gold only",
}
STATUS_COLORS = {
    GroupStatus.AGREED: "#d8f3dc",
    GroupStatus.PARTIAL: "#fff3bf",
    GroupStatus.CONFLICT: "#ffd6d6",
    GroupStatus.GOLD_ONLY: "#e7f5ff",
}


def clip(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def group_title(review: ArticleReview, group: Group) -> str:
    """What the group is about, the same for every version of it."""
    units = [u for v in group.variants for u in v.units] or group.gold
    unit = units[0]
    item = unit.item
    if isinstance(item, Mention | Quote):
        start, end = group.span or (item.start, item.end)
        return f"“{clip(review.text[start:end], 46)}”"
    if isinstance(item, Stance):
        source = review.set_of(unit)
        holder = _entity(source, item.holder_id)
        target = item.target_topic or _entity(source, item.target_entity_id)
        return f"{holder} → {clip(target, 34)}"
    assert isinstance(item, DocumentLabel)
    return item.question


def cell(review: ArticleReview, group: Group, units: list[Unit]) -> str:
    """One annotator's (or gold's) version in a comparison cell: what differs, short."""
    if not units:
        return "—"
    return " + ".join(_cell(review, group, u) for u in units)


def _cell(review: ArticleReview, group: Group, unit: Unit) -> str:
    item = unit.item
    flag = " ⚑" if unit.unsure or unit.note else ""
    source = review.set_of(unit)
    if isinstance(item, Mention):
        text = clip(review.text[item.start : item.end], 28)
        return f"[{text}] {item.label}{flag}"
    if isinstance(item, Quote):
        speaker = next((m for m in source.mentions if m.id == item.speaker_id), None)
        who = clip(review.text[speaker.start : speaker.end], 18) if speaker else "no speaker"
        cue = clip(review.text[item.cue[0] : item.cue[1]], 16) if item.cue else "no cue"
        bounds = ""
        if group.span and (item.start, item.end) != group.span:
            bounds = f" «{clip(review.text[item.start : item.end], 18)}»"
        return f"{item.quote_type} · {who} · {cue}{bounds}{flag}"
    if isinstance(item, Stance):
        n = len(item.evidence)
        return f"{item.polarity} · {n} evidence{flag}"
    assert isinstance(item, DocumentLabel)
    return ", ".join(item.values) + flag


def _entity(source: object, entity_id: str | None) -> str:
    entities = getattr(source, "entities", [])
    entity = next((e for e in entities if e.id == entity_id), None)
    return entity.name if entity else "?"


def in_context(text: str, start: int, end: int, color: str, *, width: int = 40) -> str:
    """HTML: the span between ⟦ ⟧ in its colour, with some text either side."""
    left = text[max(0, start - width) : start]
    right = text[end : end + width]
    left = ("…" if start > width else "") + " ".join(left.split(" "))
    right = right + ("…" if end + width < len(text) else "")
    return (
        f"<span style='color:#666'>{escape(left)}</span>"
        f"<b style='color:{color}'>⟦{escape(text[start:end])}⟧</b>"
        f"<span style='color:#666'>{escape(right)}</span>"
    ).replace("\n", " ⏎ ")


def unit_html(review: ArticleReview, unit: Unit, color: str) -> str:
    """Every part of a unit, each span shown in its context with its boundaries."""
    item = unit.item
    text = review.text
    source = review.set_of(unit)
    rows: list[tuple[str, str]] = []
    if isinstance(item, Mention):
        rows.append(("span", in_context(text, item.start, item.end, color)))
        rows.append(("type", escape(item.label)))
        entity = _entity(source, item.entity_id) if item.entity_id else "—"
        rows.append(("entity", escape(entity)))
    elif isinstance(item, Quote):
        rows.append(("quote", in_context(text, item.start, item.end, color, width=20)))
        rows.append(("type", escape(item.quote_type)))
        speaker = next((m for m in source.mentions if m.id == item.speaker_id), None)
        rows.append(
            (
                "speaker",
                in_context(text, speaker.start, speaker.end, color, width=20) if speaker else "—",
            )
        )
        rows.append(("cue", in_context(text, *item.cue, color, width=20) if item.cue else "—"))
    elif isinstance(item, Stance):
        rows.append(("holder", escape(_entity(source, item.holder_id))))
        target = item.target_topic or _entity(source, item.target_entity_id)
        rows.append(("target", escape(target)))
        rows.append(("polarity", f"<b>{escape(item.polarity)}</b>"))
        for n, evidence in enumerate(item.evidence, start=1):
            rows.append(
                (f"evidence {n}", in_context(text, evidence.start, evidence.end, color, width=20))
            )
        if not item.evidence:
            rows.append(("evidence", "—"))
    else:
        assert isinstance(item, DocumentLabel)
        rows.append(("answer", escape(", ".join(item.values))))
    if unit.unsure or unit.note:
        note = escape(unit.note) if unit.note else "(no note)"
        rows.append(("⚑ unsure", f"<span style='color:#b00020'>{note}</span>"))
    if item.provenance is not None:
        p = item.provenance
        who = ", ".join(p.agreed_by) or "—"
        how = f"override: {escape(p.reason)}" if p.override else f"agreed by {escape(who)}"
        rows.append(("provenance", f"{how} · reviewer {escape(p.reviewer or '—')}"))
    return "".join(
        f"<tr><td style='color:#555;padding-right:8px' valign='top'>{escape(k)}</td>"
        f"<td>{v}</td></tr>"
        for k, v in rows
    )


def group_html(review: ArticleReview, group: Group) -> str:
    """The group's versions one under another, each with its spans in context, then gold."""
    parts = [
        f"<h3 style='margin:0'>{escape(group_title(review, group))}</h3>"
        f"<p style='margin:2px 0 6px 0'>{group.layer.replace('_', ' ')} · "
        f"<b>{STATUS_TEXT[group.status]}</b>"
        + (" · ✗ left out of gold" if group.rejected else "")
        + (" · ✓ decided" if group.gold else "")
        + "</p>"
    ]
    for n, annotator in enumerate(review.annotators):
        color = annotator_color(n)
        units = group.version(annotator.id)
        body = (
            "".join(f"<table>{unit_html(review, u, color)}</table>" for u in units)
            or "<p style='color:#777'>— nothing here</p>"
        )
        same = ""
        if units:
            others = [
                review.name(o) for o in group.variant_of(units[0]).owners if o != annotator.id
            ]
            if others:
                same = f" <span style='color:#777'>(same as {escape(', '.join(others))})</span>"
        parts.append(
            f"<p style='margin:8px 0 2px 0'><b style='color:{color}'>{n + 1} · "
            f"{escape(annotator.name)}</b>{same}</p>{body}"
        )
    if group.gold:
        body = "".join(f"<table>{unit_html(review, u, '#000')}</table>" for u in group.gold)
        parts.append(f"<p style='margin:8px 0 2px 0'><b>Gold</b></p>{body}")
    return "".join(parts)


def notes_html(review: ArticleReview, people: dict[str, str]) -> str:
    """Per annotator: their set's status, the reviewer comments on it, their unsure flags."""
    parts = []
    by_annotator = review.comments()
    for n, annotator in enumerate(review.annotators):
        comments = by_annotator.get(annotator.id, [])
        status = str(review.infos[annotator.id].status).replace("_", " ")
        parts.append(
            f"<p style='margin:8px 0 2px 0'><b style='color:{annotator_color(n)}'>"
            f"{escape(annotator.name)}</b> <span style='color:#777'>({status})</span></p>"
        )
        for comment in comments:
            about = ""
            if comment.item_id:
                group = review.group_of_item(comment.item_id)
                about = f" <i>on {escape(group_title(review, group))}</i>" if group else ""
            author = escape(people.get(comment.author_id, "?"))
            parts.append(
                f"<p style='margin:0 0 4px 12px'>{author}{about}: {escape(comment.text)}</p>"
            )
        flagged = [u for g in review.groups for u in g.unsure_units if u.owner == annotator.id]
        for unit in flagged:
            note = f" — {escape(unit.note)}" if unit.note else ""
            parts.append(
                f"<p style='margin:0 0 4px 12px;color:#b00020'>⚑ unsure: "
                f"{escape(review.describe(unit))}{note}</p>"
            )
        if not comments and not flagged:
            parts.append("<p style='margin:0 0 4px 12px;color:#777'>no notes</p>")
    return "".join(parts)
