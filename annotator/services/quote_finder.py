"""The quote finder: direct quotes from quotation marks, their cue and speaker; indirect quotes.

Pure text rules, no model. Direct quotes come from pairs of quotation marks of every common
style (“…”, "…", «…», „…“, 「…」, 『…』, ‹…›, and ‘…’ / '…' where they cannot be apostrophes),
across sentences and across paragraphs (a quote left open at the end of a paragraph continues
when the next paragraph opens with a quotation mark). The cue is a speech verb of the schema's
lexicon next to the quote, on either side; the speaker is the cue's subject ("X said", "said X",
"X, the minister, said", "he said"), a pronoun resolved to the nearest earlier compatible
person, or, for a quote with no cue, the speaker of the quote before it or the nearest person.
Indirect quotes ("X said that …", "according to X, …") come with a lower confidence.

Offsets are code points into the text, half-open; a quote's span includes its quotation marks.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field


def _words(text: str) -> frozenset[str]:
    """A set of words written as one string (easier to read and edit than a list)."""
    return frozenset(text.split())


#: Used when the schema has no speech verbs of its own.
DEFAULT_SPEECH_VERBS = (
    "said", "says", "say", "told", "tells", "added", "adds", "stated", "states", "explained",
    "responded", "replied", "warned", "noted", "argued", "claimed", "insisted", "announced",
    "declared", "wrote", "writes", "asked", "confirmed", "denied", "acknowledged", "recalled",
    "according to",
    # German, French, Spanish, Dutch, Italian: forms that are not English words.
    "sagte", "sagt", "sagten", "erklärte", "erklärt", "betonte", "warnte", "laut",
    "a déclaré", "a dit", "dit", "a affirmé", "a expliqué", "a ajouté", "a souligné", "selon",
    "dijo", "afirmó", "declaró", "explicó", "añadió", "aseguró", "señaló", "según",
    "zei", "zegt", "verklaarde", "volgens",
    "ha detto", "ha dichiarato", "ha spiegato", "ha aggiunto",
)  # fmt: skip
#: Who is told: "told reporters" is one cue.
_AUDIENCES = ("reporters", "journalists", "the press", "lawmakers", "the crowd")

# opening mark -> the marks that close it
_PAIRS: dict[str, str] = {
    "“": "”",
    "„": "“”",
    "«": "»",
    "「": "」",
    "『": "』",
    "‹": "›",
    "‘": "’",
    '"': '"',
    "'": "'",
}
_SINGLE = "‘'"
_MARKS = re.compile("[\n\"'“”„«»「」『』‘’‹›]")
_WORD = re.compile(r"\w+(?:[-’'.]\w+)*\.?", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»」』)]*(?=\s|$)")
_ABBREVIATIONS = _words(
    """mr mrs ms dr prof gen col lt sgt capt st jr sr no vs etc inc ltd co corp rep sen gov u.s
    u.k e.g i.e a.m p.m mt ft dept univ"""
)
_PRONOUNS = {"he": "m", "she": "f", "they": "p", "him": "m", "her": "f"}
_SUBJECT_PRONOUNS = frozenset({"he", "she", "they"})
_DETERMINERS = _words(
    """the a an its his her their our this that these those one some another
    la les el los las lo il un une una uno die das dem ein eine einer het een"""
)
_PREPOSITIONS = _words(
    """by with to for of from about against than at on in into under over between like"""
)
_TITLES = _words(
    """mr mr. mrs mrs. ms ms. miss dr dr. prof prof. professor sir dame lady lord colonel col.
    general gen. lieutenant lt. sergeant sgt. captain capt. major admiral commander minister
    mayor president vice senator sen. representative rep. governor gov. premier chancellor
    secretary director chief judge justice ambassador commissioner councillor councilor
    inspector officer detective pastor father rabbi imam sheikh king queen prince princess
    pope chairman chairwoman chair ceo deputy speaker spokesman spokeswoman spokesperson
    ministre ministra ministro ministerin kanzler kanzlerin präsident präsidentin président
    présidente presidente sprecher sprecherin porte-parole portavoz woordvoerder"""
)
#: ‘Verteidigungsminister Boris Pistorius’: German compounds ending in a title are titles.
_TITLE_ENDINGS = ("minister", "ministerin", "kanzler", "kanzlerin", "präsident", "präsidentin")
_MALE_TITLES = _words("""mr mr. sir lord king prince father chairman spokesman""")
_FEMALE_TITLES = _words("""mrs mrs. ms ms. miss dame lady queen princess chairwoman spokeswoman""")
_ORG_WORDS = _words(
    """ministry department council union group association party coalition alliance centre center
    institute foundation agency university college commission committee chamber collective
    federation forum network bank company corporation corp inc ltd llc labs lab service
    services authority court army navy police government office bureau board school hospital
    parliament congress senate assembly team club society trust fund organisation organization
    league press post times radio television tv news gazette courier dispatch ledger wire
    herald tribune journal reuters bbc nato un eu lines airlines airways motors holdings
    partners systems technologies institute"""
)
_PLACE_WORDS = _words(
    """north south east west northern southern eastern western port new saint st city river sea
    island islands republic kingdom states state province county district street"""
)
_NOT_NAMES = _words(
    """the a an in on at but and or not it this that these those he she they we i you according
    after before when while if as for from some many most all no yes there here what why how
    who where one two three meanwhile however still yet also even only so then now today
    yesterday monday tuesday wednesday thursday friday saturday sunday january february march
    april may june july august september october november december our his her their its my
    your earlier later since during until despite asked"""
)
_NAME_PARTICLES = _words("""de van von der den da di du la le bin al el dos das del""")
#: Inside organisation names: ‘Oslo Forum for Disarmament’, ‘Bank of England’.
_CONNECTORS = _words("""of for and on""")
_JOINERS = _NAME_PARTICLES | _CONNECTORS
# A word that may start or join a name: not lower-case ASCII, not a digit (as _WORD splits).
_NAME_CANDIDATE = re.compile(
    r"(?<![\w’'-])(?:[^\W\da-z_]|(?:"
    + "|".join(sorted(_JOINERS, key=len, reverse=True))
    + r")(?![\w’'-]))\w*(?:[-’'.]\w+)*\.?",
    re.UNICODE,
)


@dataclass(frozen=True, slots=True)
class Person:
    """A known mention that could be a speaker: from the set, or a suggestion."""

    start: int
    end: int
    label: str
    mention_id: str | None = None


@dataclass(frozen=True, slots=True)
class FoundQuote:
    """A quote the finder proposes, with its cue and speaker where it found them."""

    start: int
    end: int
    quote_type: str  # "direct", "indirect" or "mixed"
    cue: tuple[int, int] | None
    speaker: tuple[int, int] | None  # the speaker as written here: a name or a pronoun
    speaker_label: str | None
    antecedent: tuple[int, int] | None  # for a pronoun: the name it refers to
    speaker_name: str  # the resolved name ("" when unknown)
    confidence: float
    reason: str


@dataclass(slots=True)
class _Name:
    start: int
    end: int
    label: str
    key: str  # the surname (or the whole name): mentions of one person share it
    subject: bool  # not the object of a preposition


@dataclass(slots=True)
class _Raw:
    start: int  # opening mark
    end: int  # after the closing mark
    paragraph: int


@dataclass(slots=True)
class _Context:
    text: str
    paragraphs: list[tuple[int, int]]
    para_starts: list[int]
    quotes: list[_Raw] = field(default_factory=list)
    names: list[_Name] = field(default_factory=list)
    name_starts: list[int] = field(default_factory=list)
    genders: dict[str, str] = field(default_factory=dict)
    _quote_starts: list[int] = field(default_factory=list)

    def paragraph_of(self, offset: int) -> int:
        return bisect_right(self.para_starts, offset) - 1

    def inside_quote(self, start: int, end: int) -> bool:
        # Quotes do not overlap and are sorted: only the one starting last before ``end``
        # can overlap (bisect instead of a scan; this is asked for every cue and name).
        index = bisect_right(self.quote_starts, end - 1) - 1
        return index >= 0 and self.quotes[index].end > start

    @property
    def quote_starts(self) -> list[int]:
        if len(self._quote_starts) != len(self.quotes):
            self._quote_starts = [q.start for q in self.quotes]
        return self._quote_starts


class QuoteFinder:
    """Finds quotes in one article's text; build once per schema lexicon and reuse."""

    def __init__(self, speech_verbs: Sequence[str] = ()) -> None:
        verbs = [v.strip().lower() for v in speech_verbs if v.strip()] or list(DEFAULT_SPEECH_VERBS)
        phrases = set(verbs)
        for verb in verbs:
            if verb in ("told", "tells", "tell"):
                phrases.update(f"{verb} {audience}" for audience in _AUDIENCES)
        alternatives = "|".join(
            r"\s+".join(map(re.escape, phrase.split()))
            for phrase in sorted(phrases, key=len, reverse=True)
        )
        self.verbs = tuple(verbs)
        self._cue = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    # -- entry point -----------------------------------------------------------------------------

    def find(self, text: str, *, people: Sequence[Person] = ()) -> list[FoundQuote]:
        paragraphs = _paragraphs(text)
        ctx = _Context(text, paragraphs, [p[0] for p in paragraphs])
        ctx.quotes = _quote_spans(text, ctx)
        _collect_names(ctx, people)
        found: list[FoundQuote] = []
        previous: FoundQuote | None = None
        for raw in ctx.quotes:
            quote = self._direct(ctx, raw, previous, found)
            if quote is not None:
                found.append(quote)
                previous = quote
        found += self._indirect(ctx, found)
        found.sort(key=lambda q: (q.start, q.end))
        return found

    # -- direct quotes ---------------------------------------------------------------------------

    def _direct(
        self, ctx: _Context, raw: _Raw, previous: FoundQuote | None, found: list[FoundQuote]
    ) -> FoundQuote | None:
        text = ctx.text
        para_start = ctx.paragraphs[raw.paragraph][0]
        inner = text[raw.start + 1 : raw.end - 1]
        if not re.search(r"\w", inner):
            return None
        last_inside = inner.rstrip()[-1:] if inner.rstrip() else ""
        before_start = self._frame_start(ctx, raw)
        before = text[before_start : raw.start]
        lead = before.rstrip()
        embedded = bool(lead) and lead[-1] not in ":,;.!?—–-(" and lead[-1] not in _CLOSINGS
        after_end = self._frame_end(ctx, raw.end)
        # Attribution after the quote: ‘…,” X said’ / ‘…,” said X’ / ‘…?” she asked’.
        cue_after = self._cue_in(ctx, raw.end, after_end, first=True)
        if cue_after is not None and not embedded:
            between = text[raw.end : cue_after[0]]
            if last_inside in ",?!—–-…" or _is_short_subject(between):
                speaker = self._subject_around(ctx, raw.end, cue_after, after_end)
                return self._make(ctx, raw, "direct", cue_after, speaker, 0.9, "cue after")
        cue_before = self._cue_in(ctx, before_start, raw.start, first=False)
        if cue_before is not None:
            gap = text[cue_before[1] : raw.start]
            frame = text[before_start : cue_before[0]]
            speaker = self._subject_before(ctx, before_start, cue_before)
            if speaker is None and not frame.strip():
                speaker = self._subject_after_verb(ctx, cue_before[1], raw.start)
            if not embedded or len(gap.split()) <= 1:
                return self._make(ctx, raw, "direct", cue_before, speaker, 0.9, "cue before")
            # ‘…said the freeze was “a promise kept”…’: a quoted fragment of reported speech.
            return self._make(ctx, raw, "mixed", cue_before, speaker, 0.45, "quoted fragment")
        if embedded:
            return None  # scare quotes, titles, words as words
        if (
            previous is not None
            and ctx.paragraph_of(previous.start) == raw.paragraph
            and previous.quote_type == "direct"
        ):
            # The second half of ‘“…,” Koffi said. “…”’: same speaker, same cue.
            return FoundQuote(
                raw.start,
                raw.end,
                "direct",
                previous.cue,
                previous.speaker,
                previous.speaker_label,
                previous.antecedent,
                previous.speaker_name,
                0.75,
                "continues the quote before it",
            )
        if (
            previous is not None
            and previous.speaker is not None
            and ctx.paragraph_of(previous.end) == raw.paragraph - 1
            and text[para_start : raw.start].strip() == ""
        ):
            # A paragraph that opens with a quote after a quoted paragraph: the same voice.
            return FoundQuote(
                raw.start,
                raw.end,
                "direct",
                None,
                previous.speaker,
                previous.speaker_label,
                previous.antecedent,
                previous.speaker_name,
                0.55,
                "no cue; same speaker as the paragraph before",
            )
        nearest = self._nearest_person(ctx, raw.start)
        speaker = (nearest.start, nearest.end) if nearest else None
        return self._make(ctx, raw, "direct", None, speaker, 0.5, "no cue; nearest person")

    def _make(
        self,
        ctx: _Context,
        raw: _Raw,
        quote_type: str,
        cue: tuple[int, int] | None,
        speaker: tuple[int, int] | None,
        confidence: float,
        reason: str,
    ) -> FoundQuote:
        return self._resolved(ctx, raw.start, raw.end, quote_type, cue, speaker, confidence, reason)

    def _resolved(
        self,
        ctx: _Context,
        start: int,
        end: int,
        quote_type: str,
        cue: tuple[int, int] | None,
        speaker: tuple[int, int] | None,
        confidence: float,
        reason: str,
    ) -> FoundQuote:
        text = ctx.text
        if speaker is None:
            return FoundQuote(start, end, quote_type, cue, None, None, None, "", confidence * 0.8,
                              reason + "; no speaker")  # fmt: skip
        word = text[speaker[0] : speaker[1]]
        pronoun = word.lower()
        if pronoun in _PRONOUNS:
            antecedent = self._resolve_pronoun(ctx, speaker[0], pronoun)
            if antecedent is None:
                return FoundQuote(start, end, quote_type, cue, speaker, "PER", None, "",
                                  confidence * 0.7, reason + f"; “{word}” unresolved")  # fmt: skip
            if pronoun in ("he", "she"):
                ctx.genders.setdefault(antecedent.key, _PRONOUNS[pronoun])
            name = text[antecedent.start : antecedent.end]
            return FoundQuote(
                start, end, quote_type, cue, speaker, antecedent.label,
                (antecedent.start, antecedent.end), name, confidence * 0.9,
                reason + f"; “{word}” = {name}",
            )  # fmt: skip
        known = self._name_at(ctx, speaker)
        label = known.label if known is not None else _classify(text, *speaker)
        if known is None:
            key = _key(word)
            for other in ctx.names:
                if other.start < speaker[0] and key in _name_words(text[other.start : other.end]):
                    key = other.key
            _add_name(ctx, _Name(speaker[0], speaker[1], label, key, True))
        return FoundQuote(start, end, quote_type, cue, speaker, label, None, word, confidence,
                          reason)  # fmt: skip

    # -- frames and cues -------------------------------------------------------------------------

    def _frame_start(self, ctx: _Context, raw: _Raw) -> int:
        """Where the sentence holding the opening mark starts (not before an earlier quote)."""
        text = ctx.text
        para_start = ctx.paragraphs[raw.paragraph][0]
        floor = para_start
        for q in ctx.quotes:
            if q.end <= raw.start and q.end > floor:
                floor = q.end
        start = _sentence_start(text, floor, raw.start)
        return start

    def _frame_end(self, ctx: _Context, start: int) -> int:
        """The end of the attribution clause after a closing mark (sentence or next quote)."""
        text = ctx.text
        para_end = ctx.paragraphs[ctx.paragraph_of(start)][1] if start < len(text) else len(text)
        limit = min(para_end, start + 200)
        for q in ctx.quotes:
            if start <= q.start < limit:
                limit = q.start
                break
        match = _SENTENCE_END.search(text, start, limit)
        while match is not None and _is_abbreviation(text, match.start()):
            match = _SENTENCE_END.search(text, match.end(), limit)
        return match.start() if match else limit

    def _cue_in(
        self, ctx: _Context, start: int, end: int, *, first: bool
    ) -> tuple[int, int] | None:
        if end <= start:
            return None
        hits = [
            (m.start(), m.end())
            for m in self._cue.finditer(ctx.text, start, end)
            if not ctx.inside_quote(m.start(), m.end())
        ]
        if not hits:
            return None
        return hits[0] if first else hits[-1]

    # -- subjects --------------------------------------------------------------------------------

    def _subject_around(
        self, ctx: _Context, quote_end: int, cue: tuple[int, int], frame_end: int
    ) -> tuple[int, int] | None:
        between = ctx.text[quote_end : cue[0]]
        if between.strip(" ,\u00a0—–-"):
            return _trailing_subject(ctx.text, quote_end, cue[0])
        return self._subject_after_verb(ctx, cue[1], frame_end)

    def _subject_after_verb(self, ctx: _Context, start: int, end: int) -> tuple[int, int] | None:
        """‘said Rasa Vaitkutė, deputy director…’: the name right after the verb."""
        text = ctx.text
        stop = end
        for index in range(start, end):
            if text[index] in ',;:.!?\n“"«「':
                stop = index
                break
        return _leading_subject(text, start, stop)

    def _subject_before(
        self, ctx: _Context, frame_start: int, cue: tuple[int, int]
    ) -> tuple[int, int] | None:
        """‘X, a spokesperson for the ministry, told reporters:’ -> X."""
        text = ctx.text
        end = cue[0]
        segment = text[frame_start:end].rstrip()
        if not segment:
            return None
        if not segment.endswith(","):
            return _trailing_subject(text, frame_start, end)
        # ‘X, a spokesperson for the ministry, told’, ‘Its chair, Sigrid Moen, told’,
        # ‘In a statement, X, who leads Y, said’: the first comma part that ends in a name
        # or a pronoun is the subject; an opening phrase (‘In Oslo,’) is not.
        parts: list[tuple[int, int]] = []
        part_start = frame_start
        for index in range(frame_start, frame_start + len(segment)):
            if text[index] == ",":
                parts.append((part_start, index))
                part_start = index + 1
        nominal: tuple[int, int] | None = None
        for n, (s, e) in enumerate(parts):
            words = text[s:e].split()
            if not words:
                continue
            if n == 0 and len(parts) > 1 and words[0].lower() in _PREPOSITIONS | {"after"}:
                continue
            subject = _trailing_subject(text, s, e)
            if subject is None:
                continue
            written = text[subject[0] : subject[1]]
            named = _is_name_token(written[0]) or written.lower() in _SUBJECT_PRONOUNS
            if named and written.split()[0].lower() not in _DETERMINERS:
                return subject
            nominal = nominal or subject
        return nominal

    # -- people ----------------------------------------------------------------------------------

    def _name_at(self, ctx: _Context, span: tuple[int, int]) -> _Name | None:
        index = bisect_right(ctx.name_starts, span[1]) - 1
        while index >= 0 and ctx.names[index].start >= span[0] - 60:
            name = ctx.names[index]
            if name.start < span[1] and span[0] < name.end:
                return name
            index -= 1
        return None

    def _nearest_person(self, ctx: _Context, offset: int) -> _Name | None:
        index = bisect_right(ctx.name_starts, offset) - 1
        paragraph = ctx.paragraph_of(offset)
        while index >= 0:
            name = ctx.names[index]
            if paragraph - ctx.paragraph_of(name.start) > 2:
                return None
            if name.end <= offset and name.label in ("PER", "ORG"):
                return name
            index -= 1
        return None

    def _resolve_pronoun(self, ctx: _Context, offset: int, pronoun: str) -> _Name | None:
        """The nearest earlier person a pronoun can refer to: same gender if known, a subject
        rather than the object of a preposition, at most three paragraphs back."""
        gender = _PRONOUNS[pronoun]
        labels = ("PER", "ORG", "NORP") if pronoun == "they" else ("PER",)
        paragraph = ctx.paragraph_of(offset)
        index = bisect_right(ctx.name_starts, offset) - 1
        same_gender: _Name | None = None
        subject: _Name | None = None
        fallback: _Name | None = None
        while index >= 0:
            name = ctx.names[index]
            index -= 1
            if name.end > offset or name.label not in labels:
                continue
            if paragraph - ctx.paragraph_of(name.start) > 3:
                break
            known = ctx.genders.get(name.key)
            if gender in "mf" and known is not None and known != gender:
                continue
            if name.subject and known == gender and same_gender is None:
                same_gender = name
            if name.subject and subject is None:
                subject = name
            fallback = fallback or name
        # ‘she’ after a woman named two paragraphs back and a company named since: the
        # person known to be a ‘she’ wins over the nearer name of unknown gender.
        return same_gender or subject or fallback

    # -- indirect quotes -------------------------------------------------------------------------

    def _indirect(self, ctx: _Context, direct: list[FoundQuote]) -> list[FoundQuote]:
        text = ctx.text
        out: list[FoundQuote] = []
        fragments = [q for q in direct if q.quote_type == "mixed"]
        taken = [(q.start, q.end) for q in direct if q.quote_type != "mixed"]
        for match in self._cue.finditer(text):
            cue = (match.start(), match.end())
            if ctx.inside_quote(*cue) or any(s <= cue[0] < e for s, e in taken):
                continue
            paragraph = ctx.paragraph_of(cue[0])
            para_start, para_end = ctx.paragraphs[paragraph]
            sentence_start = _sentence_start(text, para_start, cue[0])
            sentence_end = _sentence_end(text, cue[1], para_end, ctx)
            phrase = match.group(0).lower()
            if phrase == "according to":
                comma = text.find(",", cue[1], sentence_end)
                if comma == -1 or comma - cue[1] > 80:
                    continue
                speaker = _leading_subject(text, cue[1], comma)
                content = _trim(text, comma + 1, sentence_end)
                if speaker is None or content is None or text[sentence_start : cue[0]].strip():
                    continue
                kind = "mixed" if _has_quote(ctx, *content) else "indirect"
                quote = self._resolved(ctx, *content, kind, cue, speaker, 0.5, "according to")
            else:
                rest = text[cue[1] : sentence_end]
                that = re.match(r"((?:\s+[\w’'-]+){0,6}?)\s+that\s", rest)
                if that is None or "," in that.group(1):
                    continue
                content = _trim(text, cue[1] + that.end(), sentence_end)
                if content is None or len(text[content[0] : content[1]].split()) < 3:
                    continue
                speaker = self._subject_before(ctx, sentence_start, cue)
                if speaker is None:
                    continue
                kind = "mixed" if _has_quote(ctx, *content) else "indirect"
                quote = self._resolved(ctx, *content, kind, cue, speaker, 0.45, "said that")
            if any(s < quote.end and quote.start < e for s, e in taken):
                continue
            taken.append((quote.start, quote.end))
            out.append(quote)
            for fragment in [f for f in fragments if quote.start <= f.start < quote.end]:
                # The clause, quoted words and all, is the mixed quote; not the words alone.
                fragments.remove(fragment)
                direct.remove(fragment)
        return out


_CLOSINGS = '”’»」』›"'


# -- text structure ------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    start = 0
    for match in re.finditer("\n", text):
        out.append((start, match.start()))
        start = match.end()
    out.append((start, len(text)))
    return out


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    begin = dot
    while begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] == "."):
        begin -= 1
    word = text[begin:dot].lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _sentence_start(text: str, floor: int, offset: int) -> int:
    """The start of the sentence holding ``offset``, not before ``floor``."""
    start = floor
    for match in _SENTENCE_END.finditer(text, floor, offset):
        if _is_abbreviation(text, match.start()):
            continue
        start = match.end()
    while start < offset and text[start].isspace():
        start += 1
    return start


def _sentence_end(text: str, offset: int, limit: int, ctx: _Context) -> int:
    for match in _SENTENCE_END.finditer(text, offset, limit):
        if _is_abbreviation(text, match.start()) or ctx.inside_quote(match.start(), match.end()):
            continue
        return match.start()
    return limit


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and (text[start].isspace() or text[start] in ",;:"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return (start, end) if end > start else None


def _has_quote(ctx: _Context, start: int, end: int) -> bool:
    return any(start <= q.start and q.end <= end for q in ctx.quotes)


# -- quotation marks -----------------------------------------------------------------------------


def _opens(text: str, index: int) -> bool:
    mark = text[index]
    before = text[index - 1] if index > 0 else "\n"
    after = text[index + 1] if index + 1 < len(text) else "\n"
    if mark in "“„«「『‹":
        return not after.isspace() or mark == "«"
    if after.isspace() or after == "\n":
        return False
    if before.isalnum() or before in ".,;!?":
        return False
    if mark in _SINGLE:
        # ‘90s, 'tis: elisions, not quotes.
        return not after.isdigit() and after.isalpha()
    return True


def _closes(text: str, index: int, opening: str) -> bool:
    mark = text[index]
    if mark not in _PAIRS[opening]:
        return False
    before = text[index - 1] if index > 0 else "\n"
    after = text[index + 1] if index + 1 < len(text) else "\n"
    if opening in "“„«「『‹":
        return True
    if before.isspace() and opening != "«":
        return False
    return not (after.isalnum() or after == "_")


def _possessive(text: str, index: int) -> bool:
    """‘the workers’ union’: an apostrophe after a plural, not a closing quotation mark."""
    return (
        index > 0
        and text[index - 1] in "sSzZ"
        and index + 2 < len(text)
        and text[index + 1] == " "
        and text[index + 2].islower()
    )


def _quote_spans(text: str, ctx: _Context) -> list[_Raw]:
    marks = [(m.start(), m.group()) for m in _MARKS.finditer(text)]
    out: list[_Raw] = []
    opening: tuple[int, str] | None = None
    n = 0
    while n < len(marks):
        index, mark = marks[n]
        n += 1
        if opening is None:
            if mark != "\n" and mark in _PAIRS and _opens(text, index):
                opening = (index, mark)
            continue
        start, open_mark = opening
        if mark == "\n":
            # A paragraph ends inside the quote: it goes on if the next paragraph opens with
            # the same mark (the continued-paragraph convention) or closes it before opening
            # another; otherwise the opening mark was not a quote after all.
            following = index + 1
            while following < len(text) and text[following] in " \t\u00a0":
                following += 1
            if following < len(text) and text[following] == open_mark:
                while n < len(marks) and marks[n][0] <= following:
                    n += 1
                continue
            closing_ahead = _closing_in_next_paragraph(text, marks, n, open_mark)
            if closing_ahead:
                continue
            opening = None
            continue
        if _closes(text, index, open_mark):
            possessive = open_mark in _SINGLE and _possessive(text, index)
            if possessive and _later_closing(text, marks, n, open_mark):
                continue
            out.append(_Raw(start, index + 1, bisect_right(ctx.para_starts, start) - 1))
            opening = None
            continue
        if mark == open_mark and open_mark not in _SINGLE and mark != '"':
            opening = (index, mark)  # an unclosed mark followed by a new quote: start again
    return out


def _closing_in_next_paragraph(
    text: str, marks: list[tuple[int, str]], n: int, open_mark: str
) -> bool:
    for index, mark in marks[n:]:
        if mark == "\n":
            return False
        if mark in _PAIRS[open_mark] and _closes(text, index, open_mark):
            return True
        if mark in _PAIRS and mark not in _SINGLE and _opens(text, index):
            return False
    return False


def _later_closing(text: str, marks: list[tuple[int, str]], n: int, open_mark: str) -> bool:
    for index, mark in marks[n:]:
        if mark == "\n":
            return False
        if mark in _PAIRS[open_mark] and _closes(text, index, open_mark):
            return not _possessive(text, index) or _later_closing(text, marks, n + 1, open_mark)
    return False


# -- names ---------------------------------------------------------------------------------------


def _is_name_token(word: str) -> bool:
    head = word[0]
    if head.isupper():
        return True
    # Scripts without case (Hangul, CJK) have names too: ‘김순자’.
    return head.isalpha() and not head.islower() and not head.isupper() and ord(head) > 0x2E80


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]


def _strip_titles(text: str, tokens: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """‘Innovation Minister Priya Raman’ -> ‘Priya Raman’; a title alone stays."""
    last_title = -1
    for n, (s, e) in enumerate(tokens):
        word = text[s:e].lower()
        if word.rstrip(".") in _TITLES or word in _TITLES or word.endswith(_TITLE_ENDINGS):
            last_title = n
    if 0 <= last_title < len(tokens) - 1:
        return tokens[last_title + 1 :]
    return tokens


def _name_run_before(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The run of name tokens that ends at ``end`` (after trailing spaces), if any."""
    tokens = _tokens(text, start, end)
    if not tokens or text[tokens[-1][1] : end].strip(" \u00a0"):
        return None
    run: list[tuple[int, int]] = []
    for s, e in reversed(tokens):
        word = text[s:e]
        if run and text[e : run[0][0]].strip(" \u00a0"):
            break  # punctuation between tokens ends a name
        if _is_name_token(word) or (word.lower() in _NAME_PARTICLES | _CONNECTORS and run):
            run.insert(0, (s, e))
        else:
            break
    while run and text[run[0][0] : run[0][1]].lower() in _NAME_PARTICLES | _CONNECTORS:
        run.pop(0)
    while run and text[run[0][0] : run[0][1]].lower() in _NOT_NAMES:
        run.pop(0)
    if not run:
        return None
    run = _strip_titles(text, run)
    first, last = run[0][0], run[-1][1]
    if text[last - 1] == "." and text[first:last].lower().rstrip(".") not in _TITLES:
        last -= 1 if not _is_abbreviation(text, last - 1) else 0
    return first, last


def _trailing_subject(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The subject that ends just before a verb: a pronoun, a name, or ‘the minister’."""
    segment = text[start:end]
    stripped = segment.rstrip(" ,\u00a0")
    if not stripped.strip(" ,\u00a0—–-"):
        return None
    tokens = _tokens(text, start, start + len(stripped))
    if not tokens:
        return None
    s, e = tokens[-1]
    if text[s:e].lower() in _SUBJECT_PRONOUNS:
        return s, e
    run = _name_run_before(text, start, start + len(stripped))
    if run is not None:
        return run
    # ‘the union’s chief negotiator said’: a description; the nearest determiner starts it.
    for n in range(len(tokens) - 1, max(-1, len(tokens) - 6), -1):
        word = text[tokens[n][0] : tokens[n][1]].lower()
        if word in _DETERMINERS:
            return tokens[n][0], e
    return None


def _leading_subject(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The subject right after a verb or ‘according to’: a pronoun, a name or a description."""
    tokens = _tokens(text, start, end)
    if not tokens:
        return None
    s, e = tokens[0]
    first = text[s:e]
    if first.lower() in _SUBJECT_PRONOUNS:
        return s, e
    run: list[tuple[int, int]] = []
    for s2, e2 in tokens:
        word = text[s2:e2]
        if run and text[run[-1][1] : s2].strip(" \u00a0"):
            break
        if _is_name_token(word) or (run and word.lower() in _NAME_PARTICLES):
            run.append((s2, e2))
        elif not run and word.lower() in _DETERMINERS:
            continue  # ‘according to the council’: the name after the article
        elif not run and word.lower() in _TITLES:
            continue  # ‘dijo la ministra Margarita Robles’: the name after the title
        else:
            break
    while run and text[run[-1][0] : run[-1][1]].lower() in _NAME_PARTICLES:
        run.pop()
    if run:
        run = _strip_titles(text, run)
        return run[0][0], run[-1][1]
    if first.lower() in _DETERMINERS and len(tokens) >= 2:
        # ‘said the minister’, ‘according to the government’s modelling’
        return s, tokens[min(len(tokens), 3) - 1][1]
    return None


def _is_short_subject(between: str) -> bool:
    """‘.” Moreau said’ with a full stop inside: still attribution if only a name comes first."""
    words = between.strip(" ,\u00a0").split()
    if not words:
        return True
    return len(words) <= 4 and (words[0][:1].isupper() or words[0] in _SUBJECT_PRONOUNS)


def _key(name: str) -> str:
    words = [w for w in re.findall(r"\w[\w’'-]*", name) if w.lower() not in _TITLES]
    return (words[-1] if words else name).lower()


def _name_words(name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"\w[\w’'-]*", name) if w.lower() not in _TITLES]


def _classify(text: str, start: int, end: int) -> str:
    words = [w.lower() for w in re.findall(r"\w+", text[start:end])]
    if any(w in _ORG_WORDS for w in words):
        return "ORG"
    if len(words) > 1 and words[0] in _PLACE_WORDS:
        return "GPE"
    head = text[start:end].split()[0].lower() if text[start:end].split() else ""
    if head in _DETERMINERS:
        return "ORG" if any(w in _ORG_WORDS for w in words) else "PER"
    return "PER"


def _add_name(ctx: _Context, name: _Name) -> None:
    index = bisect_right(ctx.name_starts, name.start)
    ctx.names.insert(index, name)
    ctx.name_starts.insert(index, name.start)


def _collect_names(ctx: _Context, people: Sequence[Person]) -> None:
    """Candidate speakers and antecedents: the given mentions, plus capitalised names found
    outside quotes (two or more name words, or a surname seen in full before)."""
    text = ctx.text
    names: list[_Name] = []
    covered: list[tuple[int, int]] = []
    for person in sorted(people, key=lambda p: p.start):
        if person.label in ("PER", "ORG", "NORP", "GPE"):
            word = text[person.start : person.end]
            names.append(
                _Name(
                    person.start,
                    person.end,
                    person.label,
                    _key(word),
                    _is_subject(text, person.start),
                )
            )
            covered.append((person.start, person.end))
    # Any word of a full name stands for the person later (‘Choi’ for ‘Choi Seung-woo’).
    keys: dict[str, str] = {}
    for name in names:
        if name.label == "PER":
            for word in _name_words(text[name.start : name.end]):
                keys.setdefault(word, name.key)
    taken = {n for s, e in covered for n in range(s, e)}
    for run_start, run_end, title in _name_runs(text):
        if ctx.inside_quote(run_start, run_end):
            continue
        if taken and any(n in taken for n in range(run_start, run_end)):
            continue
        word = text[run_start:run_end]
        words = word.split()
        label = _classify(text, run_start, run_end)
        key = _key(word)
        if len(words) < 2:
            if key not in keys and not title:
                # One capitalised word: a name only as the subject of a speech verb (later).
                continue
            key = keys.get(key, key)
        if label == "PER":
            for part in _name_words(word):
                keys.setdefault(part, key)
            if title in _MALE_TITLES:
                ctx.genders.setdefault(key, "m")
            elif title in _FEMALE_TITLES:
                ctx.genders.setdefault(key, "f")
        names.append(_Name(run_start, run_end, label, key, _is_subject(text, run_start)))
    names.sort(key=lambda n: n.start)
    ctx.names = names
    ctx.name_starts = [n.start for n in names]
    _learn_genders(ctx)


_PRONOUN_WORD = re.compile(r"(?<!\w)(he|she|He|She)(?!\w)")


def _learn_genders(ctx: _Context) -> None:
    """‘Kwon said she…’, ‘Marta Lindholm presented… She has run…’: a he/she outside quotes
    tells the gender of the person who is the subject just before it (first come, first kept)."""
    text = ctx.text
    for match in _PRONOUN_WORD.finditer(text):
        at = match.start()
        if ctx.inside_quote(at, at + 1):
            continue
        paragraph = ctx.paragraph_of(at)
        floor = ctx.paragraphs[max(0, paragraph - 1)][0]
        sentence = _sentence_start(text, ctx.paragraphs[paragraph][0], at)
        if sentence == at and paragraph > 0 and sentence == ctx.paragraphs[paragraph][0]:
            sentence = ctx.paragraphs[paragraph - 1][0]  # ‘She’ opens a paragraph
        elif sentence == at:
            sentence = _sentence_start(text, floor, max(floor, at - 1))
        index = bisect_right(ctx.name_starts, at) - 1
        chosen: _Name | None = None
        while index >= 0 and ctx.names[index].start >= sentence:
            name = ctx.names[index]
            if name.label == "PER" and name.subject:
                chosen = name  # keep walking back: the sentence's first person is its subject
            index -= 1
        if chosen is not None:
            ctx.genders.setdefault(chosen.key, "m" if match.group().lower() == "he" else "f")


def _name_runs(text: str) -> list[tuple[int, int, str]]:
    """Runs of capitalised words (with particles), titles stripped: (start, end, title)."""
    out: list[tuple[int, int, str]] = []
    run: list[tuple[int, int]] = []

    def flush() -> None:
        while run and text[run[-1][0] : run[-1][1]].lower() in _JOINERS:
            run.pop()
        while run and text[run[0][0] : run[0][1]].lower() in _NOT_NAMES:
            run.pop(0)
        if run:
            stripped = _strip_titles(text, run)
            title = ""
            if len(stripped) < len(run):
                title = text[
                    run[len(run) - len(stripped) - 1][0] : run[len(run) - len(stripped) - 1][1]
                ].lower()
            first, last = stripped[0][0], stripped[-1][1]
            if text[last - 1] == ".":
                last -= 1
            if last > first and text[first:last].lower() not in _TITLES:
                out.append((first, last, title))
        run.clear()

    # Only words that can start or join a name are visited; anything else between two of
    # them (a lower-case word, punctuation) shows up in the gap and ends the run.
    for match in _NAME_CANDIDATE.finditer(text):
        s, e = match.start(), match.end()
        word = match.group()
        if run and text[run[-1][1] : s].strip(" \u00a0"):
            flush()
        if _is_name_token(word) or (run and word.lower() in _JOINERS):
            run.append((s, e))
        else:
            flush()
    flush()
    return out


def _is_subject(text: str, start: int) -> bool:
    """Whether the word before a name leaves it a possible subject (not ‘by X’, ‘to X’)."""
    before = text[max(0, start - 30) : start].split()
    if not before:
        return True
    return before[-1].lower().strip(",.") not in _PREPOSITIONS
