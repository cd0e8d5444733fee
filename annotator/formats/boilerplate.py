"""Site furniture that scraped article text often starts or ends with ("Text Size", "Close")."""

from __future__ import annotations

import re

_LINES = re.compile(
    r"""^(
        skip\ to\ (main\ )?content | text\ size | close | top | back\ to\ top | menu | search
        | share( this( article)?)? | share\ on\ \w+ | print | email | advertisement | advert
        | join\ us\ on\ social!? | follow\ us( on \w+)? | subscribe( now)? | sign\ in | log\ in
        | listen( to this article)? | read\ more | related( articles)? | comments?
        | (copyright\ )?(©|\(c\)).* | .*all\ rights\ reserved\.?
        | (?=.*[-+])[a\ +\-|]+  # font-size widgets like "A - A +"
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def trim(text: str) -> tuple[str, list[str]]:
    """Drop boilerplate lines (and blank lines) from the start and end; return what went."""
    lines = text.split("\n")
    trimmed: list[str] = []
    while lines and (not lines[0].strip() or _LINES.match(lines[0].strip())):
        line = lines.pop(0)
        if line.strip():
            trimmed.append(line.strip())
    tail: list[str] = []
    while lines and (not lines[-1].strip() or _LINES.match(lines[-1].strip())):
        line = lines.pop()
        if line.strip():
            tail.append(line.strip())
    return "\n".join(lines), trimmed + tail[::-1]
