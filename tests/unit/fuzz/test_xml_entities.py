"""XML tricks in HTML imports: entity bombs, external entities, DTDs, XInclude. None may work.

The HTML reader parses with lxml's HTML parser built with network access and huge trees off,
and refuses pages that declare entities. These tests prove it from outside: a secret file on
disk never reaches the project, a listening local port is never connected to, and the billion
laughs ends in a clear error at once.
"""

from __future__ import annotations

import ast
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from annotator.formats import article_html
from tests.unit.fuzz.harness import (
    ARTICLE_BODY,
    XML_BOMB_PROLOGUE,
    Importer,
    Sandbox,
    project_state,
)

pytest.importorskip("trafilatura")

SECRET = "TOP-SECRET-6b1f0c"
BODY = "".join(f"<p>{line}</p>" for line in ARTICLE_BODY.split("\r\n") if line)


#: Each test is bounded; a hang fails it instead of stalling the suite.
pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def sandbox(tmp_path: Path):
    made = Sandbox(tmp_path / "sandbox")
    (made.outside / "secret.txt").write_text(SECRET, "utf-8")
    yield made
    made.close()


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local port that records whether anything connected to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            peer, _ = server.accept()
        except BlockingIOError:
            return count
        peer.close()
        count += 1


def page(prologue: str, body: str = BODY) -> bytes:
    return (
        f"{prologue}<html><head><title>Troops</title></head><body><article>{body}"
        "</article></body></html>"
    ).encode()


def leaked(sandbox: Sandbox) -> bool:
    """Whether the secret reached the project (its rows, or the bytes of its files)."""
    rows = repr(project_state(sandbox.project))
    conn = sandbox.project.database.conn
    texts = " ".join(str(r) for r in conn.execute("SELECT text, title, meta FROM articles"))
    files = b"".join(p.read_bytes() for p in sandbox.root.glob("project.annotator*") if p.is_file())
    return SECRET in texts or SECRET in rows or SECRET.encode() in files


def check(sandbox: Sandbox, data: bytes) -> list[str]:
    verdict = sandbox.check(Importer("html", "page.html", data), data)
    assert verdict.ok, verdict.problems
    return verdict.errors


def test_billion_laughs_is_refused_at_once(sandbox: Sandbox) -> None:
    before = project_state(sandbox.project)
    errors = check(sandbox, page(XML_BOMB_PROLOGUE.decode(), BODY + "<p>&lol9;</p>"))
    assert errors == [
        f"{sandbox.work / 'page.html'}: the page declares XML entities (<!ENTITY ...>); web "
        "pages never do, and they are not expanded: refused"
    ]
    assert project_state(sandbox.project) == before


@pytest.mark.parametrize(
    "declaration",
    [
        '<!ENTITY xxe SYSTEM "file://{secret}">',
        '<!ENTITY % xxe SYSTEM "file://{secret}"> %xxe;',
        '<!ENTITY remote SYSTEM "http://127.0.0.1:{port}/x">',
        '<!entity xxe system "file://{secret}">',
    ],
)
def test_external_entities_are_refused(
    sandbox: Sandbox, listener: socket.socket, declaration: str
) -> None:
    port = listener.getsockname()[1]
    secret = sandbox.outside / "secret.txt"
    prologue = f"<!DOCTYPE html [\n {declaration.format(secret=secret, port=port)}\n]>\n"
    errors = check(sandbox, page(prologue, BODY + "<p>&xxe; &remote;</p>"))
    assert len(errors) == 1 and "declares XML entities" in errors[0]
    assert not leaked(sandbox)
    assert connections(listener) == 0


@pytest.mark.parametrize(
    "prologue",
    [
        '<!DOCTYPE html SYSTEM "file://{secret}">',
        '<!DOCTYPE html PUBLIC "-//X//DTD X//EN" "http://127.0.0.1:{port}/evil.dtd">',
        '<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="file://{secret}"?>',
        '<?xml version="1.0" encoding="utf-16"?>',
    ],
)
def test_external_dtds_and_stylesheets_are_never_loaded(
    sandbox: Sandbox, listener: socket.socket, prologue: str
) -> None:
    port = listener.getsockname()[1]
    secret = sandbox.outside / "secret.txt"
    errors = check(sandbox, page(prologue.format(secret=secret, port=port)))
    assert errors == []  # the page itself is fine and imports
    (article,) = sandbox.project.articles.iter_all()
    assert "Pyongyang" in article.text
    assert not leaked(sandbox)
    assert connections(listener) == 0


def test_xinclude_is_not_processed(sandbox: Sandbox) -> None:
    secret = sandbox.outside / "secret.txt"
    include = (
        '<p xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<xi:include href="file://{secret}" parse="text"/></p>'
    )
    assert check(sandbox, page("", BODY + include)) == []
    assert not leaked(sandbox)


def test_undeclared_entity_references_stay_text(tmp_path: Path) -> None:
    tree = article_html._parse(
        tmp_path / "p.html", "<html><body><p>a &lol9; b &amp; c</p></body></html>"
    )
    assert tree.text_content() == "a &lol9; b & c"


@pytest.mark.parametrize(
    "body",
    [
        "<div>" * 100_000 + BODY + "</div>" * 100_000,
        BODY + '<script type="application/ld+json">' + "[" * 100_000 + "</script>",
        BODY + '<script type="application/ld+json">{"a": ' + "1" * 10_000 + "}</script>",
    ],
    ids=["100k nested divs", "deep JSON-LD", "huge number in JSON-LD"],
)
def test_deep_and_huge_pages_end(sandbox: Sandbox, body: str) -> None:
    check(sandbox, page("", body))  # an article or a clear error; bounded by the test timeout


def test_no_other_xml_parser_in_the_code() -> None:
    """XML is parsed nowhere else; new code that parses it must use defusedxml (DESIGN.md).

    Building XML (the Label Studio config writer) is fine: only modules that import an XML
    library *and* call one of its parse functions are listed.
    """
    root = Path(article_html.__file__).parents[1]
    libraries = ("xml.", "lxml")
    parse_calls = {
        "fromstring",
        "fromstringlist",
        "parse",
        "iterparse",
        "XML",
        "XMLParser",
        "XMLPullParser",
        "parseString",
        "HTMLParser",
    }
    parsing = set()
    for path in root.rglob("*.py"):
        source = path.read_text("utf-8")
        if "xml" not in source:
            continue
        tree = ast.parse(source)
        imports = [
            name
            for node in ast.walk(tree)
            for name in (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
        ]
        calls = {
            node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        if any(i.startswith(libraries) for i in imports) and calls & parse_calls:
            parsing.add(str(path.relative_to(root)))
    # The HTML reader, with lxml's HTML parser (no entities, no network), built in _parse.
    assert parsing == {"formats/article_html.py"}, parsing
