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

    def furniture(line: str) -> bool:
        stripped = line.strip()
        return not stripped or _LINES.match(stripped) is not None

    # Indices, not pop(0): a file of a million blank lines must not take quadratic time.
    start, end = 0, len(lines)
    while start < end and furniture(lines[start]):
        start += 1
    while end > start and furniture(lines[end - 1]):
        end -= 1
    trimmed = [line.strip() for line in lines[:start] + lines[end:] if line.strip()]
    return "\n".join(lines[start:end]), trimmed
