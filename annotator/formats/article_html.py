"""Articles from saved web pages: main text and metadata extracted with trafilatura.

trafilatura is an optional dependency (``pip install 'annotator[html]'``), imported only here.
Paragraphs become lines; navigation, share buttons, scripts and footers are left out.
"""

from __future__ import annotations

import sys
from pathlib import Path

from annotator.domain.article import Article
from annotator.formats.article_text import decode
from annotator.formats.errors import FormatError

#: A page shorter than this after extraction is not an article (a menu, a cookie wall).
MIN_ARTICLE_CHARS = 200


def read_html(path: Path, data: bytes | None = None) -> Article:
    """One article from an HTML page; refuses a page whose main text is not an article."""
    try:
        import trafilatura
    except ImportError:
        if getattr(sys, "frozen", False):
            raise FormatError(
                path,
                "this build of Annotator was made without HTML import; import the "
                "pages' text (.txt) or use a build made with --with-html",
            ) from None
        raise FormatError(
            path, "importing HTML needs trafilatura: pip install 'annotator[html]'"
        ) from None
    raw = path.read_bytes() if data is None else data
    if not raw.strip():
        raise FormatError(path, "the file is empty")
    html = (
        decode(path, raw)
        if not raw.lstrip().startswith(b"<?xml")
        else raw.decode("utf-8", "replace")
    )
    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
    )
    fields = document.as_dict() if document is not None and hasattr(document, "as_dict") else {}
    text = str(fields.get("text") or "")
    title = str(fields.get("title") or "")
    # trafilatura repeats the headline as the first line of the text.
    first, _, rest = text.partition("\n")
    if title and first.strip() == title.strip() and rest.strip():
        text = rest
    if len(text.strip()) < MIN_ARTICLE_CHARS:
        found = len(text.strip())
        raise FormatError(
            path,
            f"no article found in this page ({found} characters of main text, at least "
            f"{MIN_ARTICLE_CHARS} expected)",
        )
    meta = {"file": path.name}
    if fields.get("hostname"):
        meta["hostname"] = str(fields["hostname"])
    return Article.create(
        text,
        title=title,
        author=str(fields.get("author") or ""),
        published=str(fields["date"]) if fields.get("date") else None,
        source=str(fields.get("sitename") or ""),
        url=str(fields.get("url") or ""),
        language=str(fields.get("language") or "en"),
        external_id=path.stem,
        meta=meta,
    )
