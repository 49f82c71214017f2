"""Numbers that survive translation: each money amount, count, percentage and year of a
source sentence must come out with the same value in its translation.

Values are compared as :mod:`service.fidelity.numbers` reads them ("Rp18 triliun" and
"Rp18 trillion" are both 1.8e13 IDR; "14 perajin" and "14 craftsmen" both 14). A sentence is
read as three things (:func:`read`):

- its values, which the other side must keep;
- its soft values, which may stand for a value on the other side but need not be kept
  themselves: small counts spelt as words ("ten", "sepuluh", "a mile"), because a translator
  may write "dua kali" as "twice" or "10 tahun" as "ten years";
- its loose digits, numerals written in a form that is not read as a value ("89th", "1930s",
  "usia13", "No.1", the "6-foot-6" of a height): a plain number on the other side made only of
  those digits is written otherwise, not changed, and is neither flagged nor restored.

Clock times ("pukul 10.00", "7.55am", "13.00 BST", "10:00") are not values and are skipped.

A changed value is restored only when that is proven (:func:`_proven`): of one kind and
currency, exactly one source mention lacks a match and exactly one translated mention matches
nothing, both have the same scale word (so only the numeral differs), both are standalone
tokens, the words around them correspond, and after every restoration of the sentence each
source value is matched. Anything else is reported as a :class:`NumberChange` with
``restored`` false, and the translation is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.fidelity.lexicon import load_lexicon
from service.fidelity.numbers import (
    PATTERNS,
    Lang,
    Quantity,
    extract_quantities,
    parse_numeral,
    quantity_supports,
    same_value,
    word_value,
)
from service.fidelity.words import stem, words


@dataclass(frozen=True)
class NumberChange:
    expected: str | None  # the source mention as written; None: the translation added one
    found: str | None  # the translation's mention; None: the translation dropped it
    restored: bool = False
    restored_as: str | None = None  # the mention after restoring

    def to_json(self) -> dict[str, str | None]:
        out = {"expected": self.expected, "found": self.found}
        if self.restored:
            out["restored"] = self.restored_as
        return out


# --- reading a sentence ------------------------------------------------------------------

# A time of day: "7", "07.30", "17:30", with what makes it one (below).
_CLOCK = re.compile(
    r"(?<![\w.,:+\-−])(?P<h>[01]?\d|2[0-4])(?:(?P<sep>[.:])(?P<m>[0-5]\d))?(?![.,:]?\d)")
# "pukul"/"jam" before it (or before the first time of a range, "pukul 12.00 dan 13.00"),
# but not the "jam" of a duration ("2 jam 30 menit")...
_CLOCK_BEFORE = re.compile(
    r"(?<!\d\s)\b(?:pukul|jam)\s+(?:\d{1,2}[.:]\d{2}\s*(?:-|–|dan|hingga|sampai)\s*)?$",
    re.IGNORECASE)
# ... or am/pm or a time zone after it ("4.40 am", "7.55am", "13.00 BST", "10.00 WIB").
_CLOCK_AFTER = re.compile(
    r"\s?(?:[ap]\.m\.|[ap]m\b|o['’]clock\b|WITA\b|WIB\b|WIT\b|BST\b|GMT\b|UTC\b"
    r"|[ECMP][SD]T\b|ET\b)",
    re.IGNORECASE)
# An offset from GMT is no value of its own: "GMT+0100", "UTC-5".
_UTC_OFFSET = re.compile(r"\b(?:GMT|UTC)\s?[+\-−]\d{1,2}(?::?\d{2})?(?!\d)")
# The digits of a colon pair that is not a time ("3:2") are a ratio or a score: written
# otherwise than the other side's "3-2", not read as values.
_DIGIT_COLON, _COLON_DIGIT = re.compile(r"\d:"), re.compile(r":\d")
# A numeral, a word and a numeral joined by hyphens is one value this reading does not
# know: a height ("6-foot-6"), a ratio ("1-of-4"), an offer ("2-for-1").
_WORD_COMPOUND = re.compile(
    r"(?<![\w.,])\d+(?:[.,]\d+)?(?:-[^\W\d_]+-\d+(?:[.,]\d+)?)+(?!\w)")
# "a mile" is 1 mile: the article before a unit of measure or of time, in English;
# Indonesian writes "se-". Before other nouns it is only an article ("a man", "seorang").
_A_UNIT = {
    "en": re.compile(
        r"\b(?:a|an|one)\s+(?=(?:mile|kilomet(?:re|er)|km|metre|meter|foot|inch|yard|pound"
        r"|kilo(?:gram)?|tonne?|lit(?:re|er)|gallon|hour|minute|second|day|week|month|year"
        r"|decade|century|point|goal|vote|seat)s?\b)",
        re.IGNORECASE),
    "id": re.compile(
        r"\bse(?=(?:tahun|bulan|minggu|hari|jam|menit|detik|abad|dekade|mil"
        r"|kilo(?:meter|gram)?|meter|liter|ton)\b)",
        re.IGNORECASE),
}
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Reading:
    """A sentence's values (to keep), soft values (may match, need not be kept) and loose
    digits (numerals in forms not read as values)."""

    values: list[Quantity]
    soft: list[Quantity]
    loose: frozenset[str]


def read(text: str, lang: Lang) -> Reading:
    times = _times(text)
    skipped = [(q.start, q.end) for q in times] + [m.span() for m in _UTC_OFFSET.finditer(text)]
    compounds = [m.span() for m in _WORD_COMPOUND.finditer(text)]
    values: list[Quantity] = list(times)
    soft: list[Quantity] = []
    for q in extract_quantities(text, lang):
        if _overlaps(q.start, q.end, skipped):
            continue
        if not (_overlaps(q.start, q.end, compounds) or _beside_colon(text, q)):
            (soft if _spelt_small(q) else values).append(q)
    values.sort(key=lambda q: q.start)
    soft += [Quantity("number", m.group(0), 1.0, None, m.start(), m.end(), True)
             for m in _A_UNIT[lang].finditer(text)]
    read_spans = [(q.start, q.end) for q in (*values, *soft)] + skipped
    loose = frozenset(m.group(0) for m in _DIGITS.finditer(text)
                      if not _overlaps(m.start(), m.end(), read_spans))
    return Reading(values, soft, loose)


def mentions(text: str, lang: Lang) -> list[Quantity]:
    """The values a translation must keep (see :func:`read`)."""
    return read(text, lang).values


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(a < end and start < b for a, b in spans)


def _times(text: str) -> list[Quantity]:
    """The times of day of ``text``, as kind "time" with minutes past 12 as the value (am
    and pm are not told apart: "pukul 17.30" is "5.30pm", and "pukul 7 malam" is "7pm")."""
    found = []
    for m in _CLOCK.finditer(text):
        after = _CLOCK_AFTER.match(text, m.end())
        if m.group("sep") != ":" and after is None and not _CLOCK_BEFORE.search(
                text[:m.start()]):
            continue
        end = after.end() if after else m.end()
        found.append(Quantity("time", text[m.start():end], _minutes(m), None, m.start(), end))
    return found


def _minutes(m: re.Match[str]) -> float:
    return float(int(m.group("h")) % 12 * 60 + int(m.group("m") or 0))


def _clock_value(q: Quantity) -> float | None:
    """``q`` read as a time of day: a time, or a plain number that can be one ("10.00")."""
    if q.kind == "time":
        return q.value
    m = _CLOCK.fullmatch(q.text)
    return _minutes(m) if q.kind == "number" and m and m.group("sep") != ":" else None


def _beside_colon(text: str, q: Quantity) -> bool:
    """Whether ``q`` is one side of a colon pair ("3:2"); a colon that ends a clause
    ("tahun 2016: ...") leaves the value a value."""
    return (_DIGIT_COLON.fullmatch(text, max(q.start - 2, 0), q.start) is not None
            or _COLON_DIGIT.match(text, q.end) is not None)


def _spelt_small(q: Quantity) -> bool:
    """A small count written as a word: "ten", "sepuluh", "one"."""
    return q.kind == "number" and q.value <= 10 and not any(c.isdigit() for c in q.text)


# --- comparing ---------------------------------------------------------------------------


def compare(source: str, translation: str, source_lang: Lang, target_lang: Lang,
            ) -> tuple[list[Quantity], list[Quantity]]:
    """(source mentions the translation lacks, translated mentions no source one explains)."""
    src, out = read(source, source_lang), read(translation, target_lang)
    src_soft, out_soft = _unpaired_soft(src.soft, out.soft)
    used: set[int] = set()
    lost = []
    for s in src.values:
        j = next((j for j, o in enumerate(out.values) if j not in used and _same(s, o)), None)
        if j is not None:
            used.add(j)
        elif not any(_same(s, o) for o in out_soft) and not _written_loose(s, source_lang,
                                                                            out.loose):
            lost.append(s)
    explains = [*src.values, *src_soft]
    added = [o for j, o in enumerate(out.values) if j not in used
             and not any(_same(s, o) for s in explains)
             and not _written_loose(o, target_lang, src.loose)]
    return lost, added


def _unpaired_soft(src: list[Quantity], out: list[Quantity],
                   ) -> tuple[list[Quantity], list[Quantity]]:
    """The soft values of each side that the other side's soft values do not already
    stand for: a spelt "two" that renders the source's "dua" cannot also stand for a
    source "2" the translation dropped."""
    left = list(out)
    unpaired = []
    for s in src:
        k = next((k for k, o in enumerate(left) if _same(s, o)), None)
        if k is None:
            unpaired.append(s)
        else:
            left.pop(k)
    return unpaired, left


def _same(source: Quantity, translated: Quantity) -> bool:
    if "time" in (source.kind, translated.kind):
        # A time on one side may be a bare number on the other ("pukul 10.00", "at 10.00").
        value = _clock_value(source)
        return value is not None and value == _clock_value(translated)
    # The same digits as written count too: an Indonesian text may keep English digit
    # grouping ("1,127 pembelot"), which the Indonesian reading takes for a decimal.
    return quantity_supports(source, translated) or source.text == translated.text


def _written_loose(q: Quantity, lang: Lang, loose: frozenset[str]) -> bool:
    """Whether a plain number or year is made only of digits the other side writes in a
    form not read as a value ("89" and "89th", "6,6" and "6-foot-6")."""
    if q.kind not in ("number", "year") or q.currency:
        return False
    found = _numeral(q, lang)
    if found is None or not same_value(found[2], 1.0):
        return False
    runs = _DIGITS.findall(q.text[found[0]:found[1]])
    return bool(runs) and set(runs) <= loose


def _numeral(q: Quantity, lang: Lang) -> tuple[int, int, float] | None:
    """Where ``q``'s numeral is in its text, and its scale factor."""
    m = PATTERNS[lang].fullmatch(q.text)
    if m is None:
        return None
    num = m.group("num")
    value = parse_numeral(num, lang) if num[0].isdigit() else word_value(num)
    if not value:
        return None
    return m.start("num"), m.end("num"), q.value / value


_ID_DIGITS = str.maketrans(",.", ".,")


def format_numeral(value: float, lang: Lang, year: bool) -> str | None:
    """``value`` as ``lang`` writes a numeral ("1,234.5" or "1.234,5"); None when it is not
    one anyone wrote (more than three decimals)."""
    if abs(value - round(value, 3)) > 1e-9 * max(1.0, abs(value)):
        return None  # not a numeral anyone wrote
    whole, frac = f"{round(value, 3):.3f}".rstrip("0").rstrip(".").partition(".")[::2]
    if not year and len(whole) > 3:
        whole = f"{int(whole):,}"
    text = whole + (f".{frac}" if frac else "")
    if lang == "id":  # 1.234,5
        text = text.translate(_ID_DIGITS)
    return text


# --- restoring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Restoration:
    source: Quantity
    found: Quantity
    start: int  # the numeral's span in the translation
    end: int
    numeral: str

    @property
    def restored_as(self) -> str:
        begin, stop = self.start - self.found.start, self.end - self.found.start
        return self.found.text[:begin] + self.numeral + self.found.text[stop:]


def preserve_numbers(source: str, translation: str, source_lang: Lang, target_lang: Lang,
                     ) -> tuple[str, list[NumberChange]]:
    """``translation`` with a changed value restored where that is proven, and every change
    found (restored or not)."""
    lost, added = compare(source, translation, source_lang, target_lang)
    changes: list[NumberChange] = []
    plan = [r for s in lost
            if (r := _plan(s, lost, added, source, translation, source_lang, target_lang))]
    if plan:
        fixed = _apply(translation, plan)
        lost2, added2 = compare(source, fixed, source_lang, target_lang)
        if not lost2 and len(added2) == len(added) - len(plan):
            translation, lost, added = fixed, lost2, added2
            changes = [NumberChange(r.source.text, r.found.text, True, r.restored_as)
                       for r in plan]
    unpaired = list(added)
    for s in lost:  # each lost value with a changed one of its kind, if any
        k = next((k for k, o in enumerate(unpaired) if _group(o) == _group(s)), None)
        changes.append(NumberChange(s.text, unpaired.pop(k).text if k is not None else None))
    changes += [NumberChange(None, o.text) for o in unpaired]
    return translation, changes


def _group(q: Quantity) -> tuple[str, str | None]:
    return q.kind, q.currency


def _plan(s: Quantity, lost: list[Quantity], added: list[Quantity], source: str,
          translation: str, source_lang: Lang, target_lang: Lang) -> _Restoration | None:
    """The restoration of ``s``, when its kind (and currency) has exactly one lost and one
    added mention and :func:`_proven` holds for the pair."""
    same = [o for o in added if _group(o) == _group(s)]
    if len(same) != 1 or sum(_group(x) == _group(s) for x in lost) != 1:
        return None
    return _proven(s, same[0], source, translation, source_lang, target_lang)


def _proven(s: Quantity, o: Quantity, source: str, translation: str, source_lang: Lang,
            target_lang: Lang) -> _Restoration | None:
    """``o``'s numeral rewritten to ``s``'s value, when only the numeral can differ: the same
    scale word, a digit numeral standing alone on both sides, and corresponding words on
    both sides of it."""
    src, out = _numeral(s, source_lang), _numeral(o, target_lang)
    if src is None or out is None or not same_value(src[2], out[2]):
        return None  # another scale word: rewriting the numeral alone would be guesswork
    if not o.text[out[0]].isdigit():
        return None  # a word ("forty-one") is not a digit slip
    if not (_plain_in_source(source, s) and _standalone(translation, o)):
        return None
    if not _neighbours_agree(source, s, translation, o, source_lang):
        return None
    # Plain digits are copied as the source writes them ("0800", "1882"); a numeral with a
    # separator is written in the target's format ("1.500,5" is "1,500.5").
    written = s.text[src[0]:src[1]]
    numeral = (written if written.isdigit() and same_value(float(written) * out[2], s.value)
               else format_numeral(s.value / out[2], target_lang, s.kind == "year"))
    if numeral is None:
        return None
    return _Restoration(s, o, o.start + out[0], o.start + out[1], numeral)


_OPENERS = "([{\"'“‘«"
# After a mention: a hyphen ("41-strong"), a letter or digit, or a decimal part glued on.
_GLUED_AFTER = re.compile(r"[\w\-–]|[.,]\d")


def _standalone(text: str, q: Quantity) -> bool:
    """Whether ``q`` is a token of its own: not part of a hyphenated compound ("3-2",
    "41-strong"), not glued to a word or a comma ("usia13", "muda,18")."""
    before = text[q.start - 1] if q.start else " "
    return ((before.isspace() or before in _OPENERS)
            and _GLUED_AFTER.match(text, q.end) is None)


# Before a source figure: a letter, a comma or a hyphen glued on ("usia13", "muda,18",
# "3-2"); after it: another numeral joined by a hyphen or a separator ("3-2", "2/3"). A
# word after a hyphen is fine there ("20-year-old" is 20): only the rewritten side must be a
# token of its own.
_GLUED_SOURCE_AFTER = re.compile(r"[-–/&]\d|[.,]\d|\d")


def _plain_in_source(text: str, q: Quantity) -> bool:
    """Whether the source figure ``q`` is read unambiguously: not part of a numeric
    compound (a range, a score, a fraction) and not glued to a word before it."""
    before = text[q.start - 1] if q.start else " "
    return ((before.isspace() or before in _OPENERS)
            and _GLUED_SOURCE_AFTER.match(text, q.end) is None)


_WINDOW = 2  # words looked at on each side of a mention


def _neighbours_agree(source: str, s: Quantity, translation: str, o: Quantity,
                      source_lang: Lang) -> bool:
    """Whether, on each side, a word next to ``o`` corresponds to one on the same side of
    ``s`` (or neither has any: both at the sentence's edge), and at least one of those is
    more than a function word ("lebih dari"/"more than" is in every other sentence)."""
    src_before, src_after = _context(source, s)
    out_before, out_after = _context(translation, o)
    strong = False
    for a, b in ((src_before, out_before), (src_after, out_after)):
        if not a and not b:
            continue
        score = max((_correspondence(x, y, source_lang) for x in a for y in b), default=0)
        if score == 0:
            return False
        strong = strong or score == 2
    return strong


def _context(text: str, q: Quantity) -> tuple[list[str], list[str]]:
    found = words(text)
    before = [w.folded for w in found if w.end <= q.start][-_WINDOW:]
    after = [w.folded for w in found if w.start >= q.end][:_WINDOW]
    return before, after


def _stems(table: dict[str, str]) -> dict[str, frozenset[str]]:
    return {k: frozenset(stem(w) for w in v.split()) for k, v in table.items()}


# The words that stand next to figures, which the lexicon (content words) leaves out.
# Function words (comparisons, ranges, prepositions) are weak evidence: any sentence has
# them. Indonesian -> English.
_FUNCTION_WORDS = _stems({
    "lebih": "more over above than", "kurang": "less fewer under below", "dari": "than of from",
    "hampir": "nearly almost", "sekitar": "about around some approximately roughly",
    "sedikitnya": "least", "setidaknya": "least", "hanya": "only just", "cuma": "only just",
    "hingga": "to until up", "sampai": "to until up", "antara": "between among",
    "sebanyak": "as many total", "sebesar": "of by", "di": "in at on", "pada": "on in at",
    "dalam": "in within inside", "ke": "to", "sejak": "since", "selama": "for during",
    "setelah": "after", "sebelum": "before", "dengan": "with by", "oleh": "by",
    "untuk": "for to", "dan": "and", "atau": "or", "per": "per a each",
    "setiap": "every each per", "tiap": "every each per", "orang": "people persons men",
    "jiwa": "people lives", "kali": "times",
})
# Units and months name what the figure counts: strong evidence.
_UNIT_WORDS = _stems({
    "usia": "aged age old", "berusia": "aged age old", "berumur": "aged age old",
    "persen": "percent", "poin": "points", "gol": "goals", "kursi": "seats",
    "jam": "hours", "menit": "minutes", "detik": "seconds", "minggu": "weeks",
    "abad": "century centuries", "dekade": "decade decades", "kaki": "feet foot",
    "inci": "inches inch", "mil": "miles mile", "pon": "pounds", "meter": "metres meters",
    "kilometer": "kilometres kilometers", "derajat": "degrees", "januari": "january",
    "februari": "february", "maret": "march", "mei": "may", "juni": "june", "juli": "july",
    "agustus": "august", "oktober": "october", "desember": "december",
})


def _correspondence(source_word: str, translated_word: str, source_lang: Lang) -> int:
    """2: the same word or stem ("Bogor", "investasi"/"investment"), a lexicon gloss or a
    unit; 1: a function word's gloss; 0: none."""
    if stem(source_word) == stem(translated_word):
        return 2
    indonesian, english = ((source_word, translated_word) if source_lang == "id"
                           else (translated_word, source_word))
    english_stem = stem(english)
    if (english_stem in _UNIT_WORDS.get(indonesian, ())
            or english_stem in {stem(g) for g in load_lexicon().glosses(indonesian)}):
        return 2
    return 1 if english_stem in _FUNCTION_WORDS.get(indonesian, ()) else 0


def _apply(translation: str, plan: list[_Restoration]) -> str:
    for r in sorted(plan, key=lambda r: r.start, reverse=True):  # right to left: spans hold
        translation = translation[:r.start] + r.numeral + translation[r.end:]
    return translation
