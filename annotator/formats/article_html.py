"""Articles from saved web pages: main text and metadata extracted with trafilatura.

trafilatura is an optional dependency (``pip install 'annotator[html]'``), imported only here.
Paragraphs become lines; navigation, share buttons, scripts and footers are left out.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from annotator.domain.article import Article
from annotator.formats.article_text import decode
from annotator.formats.errors import FormatError

#: A page shorter than this after extraction is not an article (a menu, a cookie wall).
MIN_ARTICLE_CHARS = 200


#: An entity declaration (a DTD internal subset): XML's, never an HTML page's; the billion
#: laughs and external-entity attacks need one.
_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _parse(path: Path, html: str) -> Any:
    """The page as an lxml tree, parsed with entities, network and huge trees all off.

    lxml's HTML parser expands no entity declarations and fetches nothing; the parser is
    built here, not left to trafilatura's defaults, so that stays true whatever it changes.
    Pages declaring entities are refused outright: no real page does.
    """
    from lxml import etree  # type: ignore[import-untyped]  # no stubs; HTML parsing only
    from lxml import html as lxml_html

    if _ENTITY_DECLARATION.search(html):
        raise FormatError(
            path,
            "the page declares XML entities (<!ENTITY ...>); web pages never do, and they are "
            "not expanded: refused",
        )
    parser = lxml_html.HTMLParser(
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
    )
    # A declared encoding is wrong by now (the text is decoded): drop the declaration.
    body = _XML_DECLARATION.sub("", html, count=1).encode("utf-8", "surrogatepass")
    try:
        tree = lxml_html.fromstring(body, parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise FormatError(path, f"not an HTML page ({error})") from None
    return tree


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
        _parse(path, html),
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
