"""Named entities in an English summary: runs of capitalised words, and whether a source has them.

An entity is supported when each of its significant tokens occurs in a source (case-insensitive,
diacritics folded): titles ("Minister"), connectors ("of") and function words are not
significant, so "Minister Agus" needs only "agus". A few English words stand for the
Indonesian one an article would use (``ALIASES``: "Regency" is "kabupaten", "West" is "barat").
Institutions are deliberately not translated: "Ministry of Industry" needs the English source.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

COMMON_WORDS_FILE = "data/scowl-lowercase.txt.gz"

FUNCTION_WORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for",
        "from", "by", "with", "without", "into", "onto", "upon", "about", "above", "below",
        "under", "over", "after", "before", "during", "since", "until", "while", "as", "than",
        "that", "this", "these", "those", "there", "here", "it", "its", "they", "them", "their",
        "he", "him", "his", "she", "her", "we", "us", "our", "you", "your", "i", "me", "my",
        "who", "whom", "whose", "which", "what", "when", "where", "why", "how", "if", "then",
        "so", "thus", "also", "not", "no", "yes", "all", "any", "both", "each", "every",
        "either", "neither", "some", "many", "much", "more", "most", "few", "less", "least",
        "several", "such", "other", "another", "same", "own", "only", "just", "even", "still",
        "yet", "very", "too", "again", "further", "already", "between", "among", "amid",
        "against", "across", "along", "around", "through", "throughout", "toward", "towards",
        "within", "via", "per", "is", "are", "was", "were", "be", "been", "being", "has",
        "have", "had", "do", "does", "did", "will", "would", "shall", "should", "can", "could",
        "may", "might", "must", "sub"
    }
)  # fmt: skip
# Ordinary words that often start a sentence in a news summary; a capital there means nothing.
_SENTENCE_STARTERS = frozenset(
    {
        "according", "despite", "although", "though", "because", "however", "meanwhile",
        "moreover", "furthermore", "additionally", "besides", "instead", "therefore", "hence",
        "indeed", "overall", "first", "second", "third", "finally", "last", "lastly", "next",
        "later", "earlier", "recently", "currently", "previously", "now", "today", "yesterday",
        "tomorrow", "initially", "separately", "similarly", "likewise", "nonetheless",
        "nevertheless", "regarding", "following", "speaking", "citing", "quoting", "based",
        "given", "due", "officials", "authorities", "residents", "workers", "experts",
        "analysts", "government", "data", "figures", "program", "programs", "programme",
        "programmes", "investment", "growth", "efforts", "support", "small", "medium", "local",
        "national", "industry", "industries", "sales", "exports", "imports", "production",
        "demand", "prices", "price", "output", "market", "markets", "challenges", "young",
        "older", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "footwear", "leather", "craftsmen", "artisans", "entrepreneurs", "businesses",
        "companies", "firms", "traders", "farmers", "fishermen", "consumers", "people",
        "citizens", "students", "women", "men", "police", "economic", "economy", "trade",
        "tourism", "infrastructure", "inflation", "revenue", "budget", "funding", "capital",
        "access", "training", "digital", "technology", "innovation", "competition", "products",
        "goods", "services", "centres", "centers", "center", "centre", "sector", "sectors",
        "region", "regions", "area", "areas", "regional", "domestic", "foreign", "global",
        "international", "public", "private", "new", "total", "annual", "key", "major", "main",
        "various", "higher", "lower", "strong", "weak", "former", "late", "then"
    }
)  # fmt: skip
_ORDINARY_SUFFIXES = (
    "ing", "ed", "ly", "tion", "tions", "sion", "sions", "ment", "ments", "ness", "ity",
    "ities", "ies", "ers", "ors", "ists", "ance", "ence", "ships",
)  # fmt: skip
# Titles written short with a full stop, which does not end the sentence: "Dr. Reni",
# "Sen. Jeff Flake", "Det. Dennis McCarthy".
_ABBREVIATED_TITLES = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "lt", "gen", "col", "maj", "capt",
    "sgt", "cpl", "adm", "cmdr", "det", "insp", "supt", "rev", "hon", "atty", "amb", "pres",
})
TITLES = frozenset(
    {
        "minister", "ministers", "president", "vice", "director", "directors", "general",
        "governor", "regent", "mayor", "head", "chief", "chairman", "chairwoman", "chairperson",
        "chair", "secretary", "deputy", "spokesperson", "spokesman", "spokeswoman", "mr", "mrs",
        "ms", "dr", "prof", "professor", "coordinating", "acting", "commissioner", "ambassador",
        "speaker", "senior", "ceo", "pak", "bu", "bapak", "ibu", *_ABBREVIATED_TITLES
    }
)  # fmt: skip
# What English contracts after an apostrophe: "we've", "I'm", "they'll", "don't", "he'd".
_CONTRACTED = frozenset({"ve", "re", "ll", "d", "m", "t"})
# The office a title or a description names ("the spokesman for the agency", "the agency's
# director"): one of these put for another is a changed role. Not the words that only
# qualify one (vice, deputy, acting, senior).
ROLES = frozenset(
    {
        "minister", "president", "director", "governor", "regent", "mayor", "head", "chief",
        "chairman", "chairwoman", "chairperson", "chair", "secretary", "spokesperson",
        "spokesman", "spokeswoman", "professor", "commissioner", "ambassador", "speaker",
        "ceo", "lawmaker", "senator", "judge", "prosecutor", "lawyer", "coach", "captain",
        "envoy", "adviser", "advisor", "economist", "analyst", "founder", "editor", "manager",
        "detective", "inspector", "sergeant", "lieutenant", "colonel", "commander", "general",
        "admiral", "officer", "attorney", "treasurer", "chancellor", "premier", "king", "queen",
        "prince", "princess",
    }
)  # fmt: skip
CONNECTORS = frozenset({"of", "for", "the", "de", "van", "von", "der", "bin", "binti", "da"})
_NOT_ENTITIES = frozenset(
    {
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
        "sep", "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday",
        "friday", "saturday", "sunday", "idr", "usd", "rp", "rupiah", "rupiahs", "sgd", "aud",
        "eur", "gbp", "jpy", "cny", "rmb"
    }
)  # fmt: skip
# English token -> Indonesian words an article uses for it (geography and demonyms only).
ALIASES: dict[str, tuple[str, ...]] = {
    "regency": ("kabupaten", "kab"), "city": ("kota",), "province": ("provinsi", "prov"),
    "village": ("desa", "kelurahan"), "district": ("kecamatan", "distrik"),
    "subdistrict": ("kecamatan",), "island": ("pulau",), "islands": ("kepulauan", "pulau"),
    "west": ("barat",), "east": ("timur",), "north": ("utara",), "south": ("selatan",),
    "central": ("tengah",), "java": ("jawa",), "sumatra": ("sumatera",),
    "moluccas": ("maluku",), "indonesian": ("indonesia",), "indonesians": ("indonesia",),
    "us": ("as", "amerika"), "america": ("amerika",), "american": ("amerika",),
}  # fmt: skip

_WORD = re.compile(r"[^\W\d_]\w*(?:['’\-]\w+)*")
_PARTS = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
# "UK-based", "Jakarta-born", "Saudi-led": a name made an adjective; the name ends there.
_ATTRIBUTIVE = re.compile(
    r"-(?:based|born|led|backed|owned|made|run|funded|listed|registered|headquartered|"
    r"bred|raised|educated|trained|focused|bound|linked|allied|controlled|operated)$",
    re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"[.!?:;\n\"“”]")
_ROMAN = re.compile(r"[IVX]+")


def fold(text: str) -> str:
    """Casefolded, with diacritics removed: "José" -> "jose"."""
    if text.isascii():
        return text.casefold()  # nothing to decompose: most words, on the hot path
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def vocabulary(text: str) -> frozenset[str]:
    """Every folded word part of ``text`` ("Kemenperin-Hippindo" gives both names)."""
    return frozenset(_PARTS.findall(fold(text)))


def _lowercase_words(texts: Iterable[str]) -> frozenset[str]:
    return frozenset(fold(w) for t in texts for w in _WORD.findall(t) if w.islower())


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int
    parts: tuple[str, ...]  # folded, possessive dropped, split at hyphens/apostrophes
    capital: bool
    acronym: bool
    sentence_start: bool
    break_before: bool

    @property
    def significant(self) -> tuple[str, ...]:
        if self.acronym:
            return tuple(p for p in self.parts if p not in _NOT_ENTITIES)
        return tuple(
            p
            for p in self.parts
            if not p.isdigit()
            and p not in FUNCTION_WORDS
            and p not in TITLES
            and p not in CONNECTORS
            and p not in _NOT_ENTITIES
        )

    @property
    def is_title(self) -> bool:
        return bool(self.parts) and all(p in TITLES for p in self.parts)


@dataclass(frozen=True)
class Mention:
    """A capitalised run in the summary; ``tokens`` are what a source must contain."""

    text: str
    tokens: tuple[str, ...]
    start: int
    end: int


def _tokens(summary: str, skip: Sequence[tuple[int, int]]) -> list[_Token]:
    out: list[_Token] = []
    prev_end = 0
    prev_parts: tuple[str, ...] = ()
    for m in _WORD.finditer(summary):
        if any(s < m.end() and m.start() < e for s, e in skip):
            continue  # part of a number or amount ("IDR", "US$", "Fourteen")
        word = m.group(0)
        gap = summary[prev_end : m.start()]
        after_title = (
            bool(prev_parts) and prev_parts[-1] in _ABBREVIATED_TITLES and gap.strip() == "."
        )  # "Dr. Reni" is one name, not two sentences
        sentence_start = not out or (bool(_SENTENCE_BREAK.search(gap)) and not after_title)
        parts = tuple(_PARTS.findall(fold(_ATTRIBUTIVE.sub("", _POSSESSIVE.sub("", word)))))
        letters = [c for c in word if c.isalpha()]
        out.append(
            _Token(
                text=word,
                start=m.start(),
                end=m.end(),
                parts=parts,
                capital=word[0].isupper(),
                acronym=len(letters) >= 2 and all(c.isupper() for c in letters),
                sentence_start=sentence_start,
                break_before=sentence_start or (gap.strip() != "" and not after_title),
            )
        )
        prev_end, prev_parts = m.end(), parts
    return out


@cache
def common_words() -> frozenset[str]:
    """English words a dictionary never writes with a capital (SCOWL; see data/README.md)."""
    data = resources.files("service.fidelity").joinpath(COMMON_WORDS_FILE).read_bytes()
    return frozenset(gzip.decompress(data).decode("utf-8").split())


def _ordinary(token: _Token, lowercase: frozenset[str]) -> bool:
    """Whether a sentence-initial capital is just an ordinary English word."""
    word = "".join(token.parts)
    return (
        word in FUNCTION_WORDS
        or word in _SENTENCE_STARTERS
        or word in lowercase
        or (len(word) > 5 and word.endswith(_ORDINARY_SUFFIXES))
    )


def _mention(summary: str, run: Sequence[_Token]) -> Mention | None:
    while run and run[0].parts and run[0].parts[0] in CONNECTORS:
        run = run[1:]
    tokens = tuple(p for t in run for p in t.significant)
    if not tokens:
        return None
    return Mention(summary[run[0].start : run[-1].end], tokens, run[0].start, run[-1].end)


def _split_role(summary: str, run: Sequence[_Token]) -> list[Mention]:
    """Split "Industry Minister Agus" into a role ("Industry Minister") and a name ("Agus")."""
    for i in range(len(run) - 2, -1, -1):
        if run[i].is_title and any(t.significant for t in run[i + 1 :]):
            if any(t.significant for t in run[:i]):
                found = [_mention(summary, run[: i + 1]), _mention(summary, run[i + 1 :])]
                return [m for m in found if m is not None]
            break
    whole = _mention(summary, run)
    return [whole] if whole else []


def extract_entities(
    summary: str,
    *,
    skip: Sequence[tuple[int, int]] = (),
    hints: Iterable[str] = (),
) -> list[Mention]:
    """Capitalised runs in ``summary``; a sentence-initial word counts only when it is not an
    ordinary word (a function word, a common sentence starter, a word the summary or ``hints``
    also write in lower case, or a word with a common English inflection)."""
    lowercase = _lowercase_words([summary, *hints])
    tokens = _tokens(summary, skip)
    mentions: list[Mention] = []
    run: list[_Token] = []

    def flush() -> None:
        while run and run[-1].parts and run[-1].parts[-1] in CONNECTORS:
            run.pop()
        if run:
            mentions.extend(_split_role(summary, run))
        run.clear()

    for i, tok in enumerate(tokens):
        if tok.break_before:
            flush()
        lower = "".join(tok.parts)
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if lower in CONNECTORS and not tok.acronym:
            if run and nxt is not None and nxt.capital and not nxt.break_before:
                run.append(tok)
            else:
                flush()
            continue
        skip_word = (
            not tok.capital
            or len(tok.text) < 2
            # a contraction ("We've", "I'm", "Don't") is never a name; "O'Brien" is
            or (len(tok.parts) == 2 and tok.parts[1] in _CONTRACTED)
            or lower in _NOT_ENTITIES
            or (not tok.acronym and lower in FUNCTION_WORDS)
            or (tok.acronym and _ROMAN.fullmatch(tok.text) is not None)
            or (
                tok.sentence_start
                and not tok.acronym
                and not tok.is_title
                and _ordinary(tok, lowercase)
            )
            # "Waves as high as six metres ...": a lone capital at a sentence's start on a
            # word no dictionary capitalises; "Smith said" stays a name.
            or (
                tok.sentence_start
                and not tok.acronym
                and (nxt is None or not nxt.capital or nxt.break_before)
                and lower in common_words()
            )
        )
        if skip_word:
            flush()
        else:
            run.append(tok)
            if _POSSESSIVE.search(tok.text) or _ATTRIBUTIVE.search(tok.text):
                flush()  # "Indonesia's Ministry": the owner and the owned are two names
    flush()
    return mentions
