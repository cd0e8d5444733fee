"""The quote finder on our sample articles and on each quotation style and attribution form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.domain.schema import default_schema
from annotator.resources import resource
from annotator.services.quote_finder import FoundQuote, Person, QuoteFinder

EVAL = Path(__file__).resolve().parents[2] / "data" / "eval_quotes" / "articles.jsonl"


@pytest.fixture(scope="module")
def finder() -> QuoteFinder:
    return QuoteFinder(default_schema().speech_verbs)


def samples(name: str) -> dict[str, str]:
    lines = resource("samples", name).read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["external_id"]: json.loads(line)["text"] for line in lines if line}


def described(text: str, quotes: list[FoundQuote]) -> list[tuple[str, str | None, str, str]]:
    """(start of the quote, cue, speaker as written, resolved speaker) per quote."""
    return [
        (
            text[q.start : q.start + 25],
            text[q.cue[0] : q.cue[1]] if q.cue else None,
            text[q.speaker[0] : q.speaker[1]] if q.speaker else "",
            q.speaker_name,
        )
        for q in quotes
    ]


def direct(finder: QuoteFinder, text: str) -> list[tuple[str, str | None, str, str]]:
    return described(text, [q for q in finder.find(text) if q.quote_type == "direct"])


# -- the sample articles ---------------------------------------------------------------------------


def test_sample_with_pronoun_speaker_named_two_paragraphs_earlier(finder: QuoteFinder) -> None:
    text = samples("quotes.jsonl")["sample-quotes-01"]
    assert direct(finder, text) == [
        # "Marta Lindholm" is named two paragraphs before "she said"; a company in between.
        ("“We cannot ask islanders ", "said", "she", "Marta Lindholm"),
        ("“The ferries are their ro", "said", "she", "Marta Lindholm"),
        ("“Nobody here wants to str", "told reporters", "Aker", "Aker"),
        ("“but we owe taxpayers a p", "told reporters", "Aker", "Aker"),
        ("“We will decide before Ch", "said", "Aker", "Aker"),
        ('"They deserve to hear thi', "added", "she", "Lindholm"),
    ]


def test_sample_with_french_german_single_and_continued_quotes(finder: QuoteFinder) -> None:
    text = samples("quotes.jsonl")["sample-quotes-02"]
    quotes = [q for q in finder.find(text) if q.quote_type == "direct"]
    assert described(text, quotes) == [
        ("«Nous ne reviendrons pas ", "told the press", "Claire Dubois", "Claire Dubois"),
        # A German speech verb of the news lexicon: the cue and its subject.
        ("„Wir brauchen mehr Person", "sagte", "Weiss", "Weiss"),
        ("'We need more people, not", "said", "he", "Weiss"),
        ('"We have made a fair offe', "said", "Marchand", "Marchand"),
        ('"The door remains open.\n"', "said", "Marchand", "Marchand"),
    ]
    # The quote left open at the paragraph's end runs on into the next paragraph.
    assert text[quotes[-1].start : quotes[-1].end].endswith('waited long enough."')
    assert "\n" in text[quotes[-1].start : quotes[-1].end]


@pytest.mark.parametrize(
    ("article", "expected"),
    [
        (
            "sample-01",
            [
                ('"This deployment is defen', "told reporters", "Ingrid Halvorsen"),
                ('"We asked for help, and o', "said", "Rasa Vaitkutė"),
                ('"This is exactly the kind', "said", "Rasa Vaitkutė"),
                ('"We are being asked to wr', "said", "Lie"),
                ('"Sending more soldiers is', "said", "Moen"),
                ('"Every rotation has a bui', "said", "Halvorsen"),  # "she said"
                ('"It is a signal more than', "explained", "Anders Bakke"),  # "he explained"
                ('"The real test is whether', "explained", "Anders Bakke"),
            ],
        ),
        (
            "sample-02",
            [
                ("“Households are already s", "said", "Moreau"),
                ("“You cannot freeze fares,", "told reporters", "Bertrand Lacombe"),
                ("“We are not against cheap", "said", "Koffi"),
                ("“We are against cheap far", "said", "Koffi"),
                ("“We will review the model", "said", "Moreau"),  # "he said"
                ("“Our role is not to choos", "stated", "Garnier"),
                ("“It is to make sure counc", "stated", "Garnier"),
            ],
        ),
        (
            "sample-04",
            [
                ("“Our members kept this po", "told the crowd", "Vogel"),
                ("“Nobody disputes that our", "told", "Brandt"),
                ("“The city's job is to kee", "said", "Weber"),
                ("“Money is important, but ", "said", "Emre Yıldız"),  # "he said"
                ("“We did not choose this f", "said", "Vogel"),  # "she said"
            ],
        ),
    ],
)
def test_sample_articles_direct_quotes_cues_and_speakers(
    finder: QuoteFinder, article: str, expected: list[tuple[str, str, str]]
) -> None:
    text = samples("articles.jsonl")[article]
    found = [(start, cue, name) for start, cue, _, name in direct(finder, text)]
    assert found == expected


def test_sample_with_korean_text_and_emoji(finder: QuoteFinder) -> None:
    text = samples("articles.jsonl")["sample-06"]
    found = {start[:12]: (cue, name) for start, cue, _, name in direct(finder, text)}
    assert found["“처음에는 무서웠는데,"] == ("told", "Kim")
    assert found["“Older peopl"] == ("told reporters", "Choi")
    # "he said" after Jung is quoted: Choi is the subject of that paragraph.
    assert found["“누구나 배울 수 있습"] == ("said", "Choi")


# -- quotation styles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("Ana Silva said: “We start again.”", "“We start again.”"),
        ('Ana Silva said: "We start again."', '"We start again."'),
        ("Ana Silva a déclaré : « Nous recommençons. »", "« Nous recommençons. »"),
        ("Ana Silva sagte: „Wir fangen neu an.“", "„Wir fangen neu an.“"),
        ("Ana Silva said: 「We start again.」", "「We start again.」"),
        ("Ana Silva said: 『We start again.』", "『We start again.』"),
        ("Ana Silva said: ‹We start again.›", "‹We start again.›"),
        ("Ana Silva said: ‘We’re starting again at the workers’ depot.’", None),
        ("Ana Silva said: 'We start again.'", "'We start again.'"),
    ],
)
def test_every_common_quotation_style(finder: QuoteFinder, text: str, quote: str | None) -> None:
    found = finder.find(text)
    assert len(found) == 1
    expected = quote or text[text.index("‘") :]
    assert text[found[0].start : found[0].end] == expected
    assert found[0].quote_type == "direct"


def test_apostrophes_are_not_quotes(finder: QuoteFinder) -> None:
    text = "The workers’ union met Lacombe’s group in the ’90s style hall. It's the drivers' day."
    assert finder.find(text) == []


def test_single_quotes_with_plural_possessive_inside(finder: QuoteFinder) -> None:
    text = "‘The drivers’ pay is the issue,’ said Sunita Rao."
    [quote] = finder.find(text)
    assert text[quote.start : quote.end] == "‘The drivers’ pay is the issue,’"
    assert quote.speaker_name == "Sunita Rao"


def test_nested_quotes_stay_inside(finder: QuoteFinder) -> None:
    text = "“He told me ‘never again’ and left,” Marta Berg said."
    [quote] = finder.find(text)
    assert (quote.start, quote.end) == (0, text.index(" Marta"))


def test_unclosed_mark_is_dropped_not_stretched(finder: QuoteFinder) -> None:
    text = 'He measured 6" of snow.\nNext paragraph, no marks.'
    assert finder.find(text) == []


# -- attribution forms -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cue", "speaker"),
    [
        ("“We will win,” Anna Berg said.", "said", "Anna Berg"),
        ("“We will win,” said Anna Berg, the party's leader.", "said", "Anna Berg"),
        ("Anna Berg, the party's leader, said: “We will win.”", "said", "Anna Berg"),
        ("Anna Berg told reporters: “We will win.”", "told reporters", "Anna Berg"),
        ("Its chair, Anna Berg, said: “We will win.”", "said", "Anna Berg"),
        ("Finance Minister Anna Berg said: “We will win.”", "said", "Anna Berg"),
        ("“Will we win?” asked Anna Berg.", "asked", "Anna Berg"),
    ],
)
def test_cue_and_its_subject(finder: QuoteFinder, text: str, cue: str, speaker: str) -> None:
    [quote] = finder.find(text)
    assert quote.cue is not None and text[quote.cue[0] : quote.cue[1]] == cue
    assert quote.speaker_name == speaker
    assert quote.confidence >= 0.8


def test_split_quote_shares_speaker_and_cue(finder: QuoteFinder) -> None:
    text = "Mark Hale spoke first. “We tried,” he said, “and we will try again.”"
    first, second = finder.find(text)
    assert text[first.start : first.end] == "“We tried,”"
    assert text[second.start : second.end] == "“and we will try again.”"
    assert first.cue == second.cue and first.speaker == second.speaker
    assert first.speaker_name == second.speaker_name == "Mark Hale"


def test_pronoun_prefers_known_gender_and_subjects(finder: QuoteFinder) -> None:
    text = (
        "Mayor Jana Kos opened the session. She thanked the staff of Mr. Tom Reed.\n"
        "The budget was approved by Paul Novak.\n"
        "“It was a long night,” she said."
    )
    [quote] = finder.find(text)
    assert quote.speaker_name == "Jana Kos"
    assert quote.antecedent is not None and text[slice(*quote.antecedent)] == "Jana Kos"


def test_pronoun_resolves_to_a_mention_of_the_set(finder: QuoteFinder) -> None:
    text = "The envoy arrived late.\n“We are ready,” she said."
    envoy = Person(4, 9, "PER", mention_id="m1")
    [quote] = finder.find(text, people=[envoy])
    assert quote.antecedent == (4, 9)
    assert quote.speaker_label == "PER"


def test_quote_without_cue_gets_the_previous_speaker_or_the_nearest_person(
    finder: QuoteFinder,
) -> None:
    text = 'Governor Ida Lund spoke for an hour.\n"We will not move," she said.\n"Not this year."\n'
    first, second = finder.find(text)
    assert first.speaker_name == "Ida Lund"
    assert second.cue is None and second.speaker_name == "Ida Lund"
    assert second.confidence < first.confidence


def test_scare_quotes_and_titles_are_not_quotes(finder: QuoteFinder) -> None:
    text = "The so-called “peace dividend” was a theme of the report 『Energy and the Sea』."
    assert finder.find(text) == []


def test_indirect_quotes_have_lower_confidence(finder: QuoteFinder) -> None:
    text = (
        "Anna Berg said that the plan would cost too much. "
        "According to the ministry, the money is already there."
    )
    said, according = finder.find(text)
    assert said.quote_type == "indirect" and according.quote_type == "indirect"
    assert text[said.start : said.end] == "the plan would cost too much"
    assert said.speaker_name == "Anna Berg" and said.confidence < 0.6
    assert text[according.start : according.end] == "the money is already there"
    assert according.cue is not None and text[slice(*according.cue)] == "According to"
    assert text[slice(*according.speaker)] == "the ministry"  # type: ignore[misc]


def test_reported_clause_with_a_quoted_fragment_is_mixed(finder: QuoteFinder) -> None:
    text = "Mayor Ana Ruiz said that the freeze was “a promise kept” by the city."
    [quote] = finder.find(text)
    assert quote.quote_type == "mixed"
    assert text[quote.start : quote.end] == "the freeze was “a promise kept” by the city"


def test_lexicon_comes_from_the_schema() -> None:
    custom = QuoteFinder(["whispered"])
    text = "“Not now,” Ana Ruiz whispered."
    [quote] = custom.find(text)
    assert quote.cue is not None and text[slice(*quote.cue)] == "whispered"
    assert QuoteFinder(["said"]).find(text)[0].cue is None


def test_offsets_are_code_points_after_emoji(finder: QuoteFinder) -> None:
    text = "🇰🇷👩‍💻 Kim Ji-woo said: “We start again.” 🚀"
    [quote] = finder.find(text)
    assert text[quote.start : quote.end] == "“We start again.”"
    assert text[slice(*quote.speaker)] == "Kim Ji-woo"  # type: ignore[misc]


def test_held_out_gold_strings_are_in_their_texts() -> None:
    """The evaluation set's gold spans are found by searching: each must be there."""
    records = [json.loads(line) for line in EVAL.read_text("utf-8").splitlines() if line]
    assert len(records) >= 6
    direct_count = 0
    for record in records:
        text = record["text"]
        for item in record["quotes"]:
            assert text.count(item["quote"]) > item["nth"], (record["id"], item["quote"])
            if item["cue"] is not None:
                assert item["cue"] in text, (record["id"], item["cue"])
            assert item["type"] in ("direct", "indirect", "mixed")
            direct_count += item["type"] == "direct"
    assert direct_count >= 30


@pytest.mark.parametrize(
    ("text", "cue", "speaker"),
    [
        (
            "„Wir werden die Truppen nicht abziehen“, sagte Verteidigungsminister Boris "
            "Pistorius am Mittwoch in Berlin.",
            "sagte",
            "Boris Pistorius",
        ),
        (
            "« Nous ne reculerons pas », a déclaré la ministre Catherine Vautrin à Paris.",
            "a déclaré",
            "Catherine Vautrin",
        ),
        (
            "«No vamos a retroceder», dijo la ministra Margarita Robles en Madrid.",
            "dijo",
            "Margarita Robles",
        ),
        (
            "“We trekken ons niet terug”, zei minister Ruben Brekelmans in Den Haag.",
            "zei",
            "Ruben Brekelmans",
        ),
        (
            "«Non ci ritireremo», ha detto il ministro Guido Crosetto a Roma.",
            "ha detto",
            "Guido Crosetto",
        ),
    ],
)
def test_the_news_lexicon_finds_cues_and_speakers_in_other_languages(
    finder: QuoteFinder, text: str, cue: str, speaker: str
) -> None:
    (quote,) = finder.find(text)
    assert quote.cue is not None and text[quote.cue[0] : quote.cue[1]] == cue
    assert quote.speaker is not None and text[quote.speaker[0] : quote.speaker[1]] == speaker
