"""Fidelity as an editor reads it: each claim of a summary sentence checked against the
article sentences attribution found for it, not against the whole article.

A figure must have its value in those sentences with the same direction or hedge ("more
than", "about", "up to"); a figure those sentences give differently is a changed figure
even when the article has the summary's value somewhere else. Dates and weekdays are
checked the same way, and names as whole spans with the title given with them. What the
supporting sentences do not speak of at all may come from any sentence of the article.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from service.fidelity.align import Attribution, SentenceAttribution, attribute_sentence
from service.fidelity.dates import DateMention, comparable, date_matches, extract_dates
from service.fidelity.entities import ROLES, extract_entities
from service.fidelity.gazetteer import home_words
from service.fidelity.names import (
    Name,
    SpanMatch,
    find_spans,
    names_in,
    source_title,
    span_text,
    title_ok,
)
from service.fidelity.numbers import Quantity, extract_quantities, quantity_supports, same_value
from service.fidelity.periods import Ordinal, ordinals
from service.fidelity.possessives import owner_elsewhere
from service.fidelity.predicates import SideText, conflicts, cues
from service.fidelity.qualifiers import qualifier, qualifier_issue
from service.fidelity.report import Claim, FidelityReport
from service.fidelity.sources import Side, Sources, SourceSentence
from service.fidelity.speakers import Speaker, article_speakers, check_speaker, speaker_of
from service.fidelity.words import is_stopword, normal, stem, words


@dataclass(frozen=True)
class Found:
    """A source mention: where it stands."""

    sentence: SourceSentence | None  # None: the loose English text
    side: Side


def _sides(sentences: Iterable[SourceSentence]) -> list[Found]:
    return [Found(s, side) for s in sentences for side in s.sides]


def _loose(sources: Sources) -> list[Found]:
    return [Found(None, side) for side in sources.loose]


def _claim(kind: str, text: str, value: str, sentence: int, issue: str | None = None,
           expected: str | None = None, where: Found | None = None) -> Claim:
    src = where.sentence if where is not None else None
    return Claim(kind, text, value, issue is None, issue=issue, expected=expected,
                 sentence=sentence, source=src.index if src is not None else None,
                 source_text=src.text if src is not None else None)


def _comparable(claim: Quantity, source: Quantity) -> bool:
    if claim.kind in ("percent", "year") or source.kind in ("percent", "year"):
        return claim.kind == source.kind
    return True


def _distance(a: float, b: float) -> float:
    if a <= 0 or b <= 0:
        return abs(a - b)
    return abs(math.log(a / b))


def _change(claim: Quantity, source: Quantity) -> str:
    if claim.currency and source.currency and claim.currency != source.currency:
        return "currency_changed"
    if claim.value > 0 and source.value > 0:
        ratio = claim.value / source.value
        for power in (1e3, 1e6, 1e9, 1e12):
            if same_value(ratio, power) or same_value(ratio, 1 / power):
                return "scale_changed"
    return "value_changed"


def _with_qualifier(text: str, q: Quantity) -> str:
    found = qualifier(text, q.start)
    if found is None or found[0] == "range":
        return q.text
    return f"{found[1]} {q.text}"


def check_quantity(claim: Quantity, claim_text: str, supporting: Sequence[Found],
                   elsewhere: Sequence[Found]) -> tuple[str | None, str | None, Found | None]:
    """(issue, expected as the source writes it, where) for one figure of a summary sentence
    (``claim_text``), against its supporting sentences' sides first."""
    mine = qualifier(claim_text, claim.start)
    mine_class = mine[0] if mine else None
    matches = [(f, q) for f in supporting for q in f.side.quantities
               if quantity_supports(q, claim) or _same_digits(q, claim)]
    if not matches and _small_word(claim):
        said = next((f for f in supporting if _collective(claim, f.side)), None)
        if said is not None:
            return None, None, said
    if matches:
        if claim.kind == "year":
            return None, None, matches[0][0]
        first_issue: tuple[str, str, Found] | None = None
        for f, q in matches:
            theirs = qualifier(f.side.text, q.start)
            issue = qualifier_issue(mine_class, theirs[0] if theirs else None)
            if issue is None:
                return None, None, f
            first_issue = first_issue or (issue, _with_qualifier(f.side.text, q), f)
        assert first_issue is not None  # matches is not empty
        return first_issue
    rivals = [(f, q) for f in supporting for q in f.side.quantities
              if _comparable(claim, q) and not q.weak]
    if rivals:
        # The article's own words first: the translation may be what went wrong.
        f, q = min(rivals, key=lambda r: (_distance(claim.value, r[1].value),
                                          r[0].side.lang != "id"))
        return _change(claim, q), _with_qualifier(f.side.text, q), f
    other = next((f for f in elsewhere for q in f.side.quantities if quantity_supports(q, claim)),
                 None)
    if other is not None:
        return None, None, other
    return "not_in_source", None, None


def check_ordinal(claim: Ordinal, supporting: Sequence[Found],
                  elsewhere: Sequence[Found] = ()) -> Claim | None:
    """``period_changed`` when the supporting sentences give other ordinals and never
    the claim's, or, where they give none, when the article counts the claim's thing
    ("century", "abad") only with other ordinals; None otherwise (an ordinal the article
    does not speak of is left alone)."""
    theirs = [(f, o) for f in supporting for o in ordinals(f.side.text, f.side.lang)]
    if not theirs and claim.unit is not None:
        theirs = [(f, o) for f in [*supporting, *elsewhere]
                  for o in ordinals(f.side.text, f.side.lang) if o.unit == claim.unit]
    if not theirs or any(o.value == claim.value for _, o in theirs):
        return None
    f, o = theirs[0]
    src = f.sentence
    return Claim("period", claim.text, str(claim.value), False, issue="period_changed",
                 expected=o.text, source=src.index if src else None,
                 source_text=src.text if src else None)


def _same_digits(source: Quantity, claim: Quantity) -> bool:
    """The figure as written, digit for digit: an Indonesian text may keep English digit
    grouping ("1,127 pembelot"), which its own reading takes for a decimal."""
    return (source.kind == claim.kind and source.currency == claim.currency
            and source.text == claim.text and _ENGLISH_GROUPING.search(claim.text) is not None)


_ENGLISH_GROUPING = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d,])")


_ID_NUMBER_WORDS = {2: "dua", 3: "tiga", 4: "empat", 5: "lima", 6: "enam", 7: "tujuh",
                    8: "delapan", 9: "sembilan", 10: "sepuluh"}


def _small_word(q: Quantity) -> bool:
    return (q.kind == "number" and q.value <= 10 and q.value == int(q.value)
            and not any(c.isdigit() for c in q.text))


def _collective(claim: Quantity, side: Side) -> bool:
    """"the two countries" is "kedua negara": Indonesian counts a group with ke- (which
    also makes ordinals)."""
    word = _ID_NUMBER_WORDS.get(int(claim.value))
    return side.lang == "id" and word is not None and any(
        p.word.folded in (f"ke{word}", f"ke-{word}", f"ke{int(claim.value)}")
        for p in side.positions)


# "the two couples", "all three": a group the sentence already named, not a new count.
_GROUP_BEFORE = re.compile(r"\b(?:the|these|those|all|both|its|their)\s+$", re.IGNORECASE)


def check_date(claim: DateMention, supporting: Sequence[Found],
               elsewhere: Sequence[Found]) -> tuple[str | None, str | None, Found | None]:
    mentions = [(f, d) for f in supporting for d in extract_dates(f.side.text)]
    hit = next((f for f, d in mentions if date_matches(claim, d)), None)
    if hit is not None:
        return None, None, hit
    rivals = [(f, d) for f, d in mentions if comparable(claim, d)]
    if rivals:
        f, d = rivals[0]
        return ("weekday_changed" if claim.kind == "weekday" else "date_changed"), d.text, f
    other = next((f for f in elsewhere for d in extract_dates(f.side.text)
                  if date_matches(claim, d)), None)
    if other is not None:
        return None, None, other
    return "not_in_source", None, None


def _review_sentence(i: int, att: SentenceAttribution, sources: Sources,
                     speakers: dict[int, tuple[Speaker, Side]]) -> list[tuple[int, Claim]]:
    text = att.text
    chosen = set(att.indices)
    supporting = _sides(s for s in sources.sentences if s.index in chosen)
    elsewhere = _sides(s for s in sources.sentences if s.index not in chosen) + _loose(sources)
    out: list[tuple[int, Claim]] = []
    dates = extract_dates(text)
    quantities = [q for q in extract_quantities(text, "en") if not q.weak]
    # A day of the month is the date's, not a figure of its own.
    quantities = [q for q in quantities
                  if not any(d.kind == "date" and d.start <= q.start < d.end for d in dates)]
    quantities = [q for q in quantities
                  if not (_small_word(q) and _GROUP_BEFORE.search(text[:q.start]))]
    for q in quantities:
        issue, expected, where = check_quantity(q, text, supporting, elsewhere)
        out.append((q.start, _claim(q.kind, q.text, q.normalised, i, issue, expected, where)))
    for d in dates:
        issue, expected, where = check_date(d, supporting, elsewhere)
        out.append((d.start, _claim("date", d.text, d.value, i, issue, expected, where)))
    for o in ordinals(text, "en"):
        if any(d.start <= o.start < d.end for d in dates):
            continue  # "October 1st": the date's day
        found = check_ordinal(o, supporting, elsewhere)
        if found is not None:
            out.append((o.start, found if found.sentence is not None else replace(found,
                                                                                 sentence=i)))
    skip = [(q.start, q.end) for q in extract_quantities(text, "en")] + [
        (d.start, d.end) for d in dates]
    hints = [s.english for s in sources.sentences if s.english] + [s.text for s in sources.loose]
    speaker = speaker_of(text, "en")
    for name in names_in(text, extract_entities(text, skip=skip, hints=hints)):
        claim = _check_name(name, i, supporting, elsewhere)
        if claim.supported:
            claim = _placed(claim, name, _clause_keys(text, name), att, sources, speaker)
        if claim.supported:
            rival = owner_elsewhere(text, name, sources)
            if rival is not None:  # "Chile's government" where only Bolivia's is spoken of
                claim = replace(claim, supported=False, issue="participant_elsewhere",
                                expected=None, source=rival.index, source_text=rival.text)
        out.append((name.start, claim))
    # A clause's own sources, found once for the predicate and the role checks.
    attributed: dict[str, tuple[int, ...]] = {}

    def clause_sources(clause: str) -> tuple[int, ...]:
        if clause not in attributed:
            attributed[clause] = attribute_sentence(clause, sources).indices
        return attributed[clause]

    out += _check_predicates(i, att, sources, clause_sources)
    out += _check_roles(i, att, sources, clause_sources)
    conflict = check_speaker(text, att.indices, sources, speakers)
    if conflict is not None:
        src = conflict.source
        out.append((text.find(conflict.claimed.text), Claim(
            "speaker", conflict.claimed.text, " ".join(sorted(conflict.claimed.tokens)), False,
            issue="speaker_mismatch", expected=conflict.found.text, sentence=i,
            source=src.index, source_text=src.text, quote=conflict.quote)))
    return out


# A name's sentence must share this share of the claim's other words with it: a name the
# article has only in sentences about something else is put in the wrong claim.
PLACED_AT = 0.25
PLACED_MIN = 3
PLACED_FAR = 0.5
# A sentence the claim draws on places a name it has when it says this share of what the
# claim's best sentence says: two sentences fused into one claim, each with its own part.
PLACED_SHARE = 1 / 3
# ... and shares two words with it at least: one word in common is any sentence's. The
# article's first sentence (its headline or lead) names whom the article is about, and one
# word places its names.
PLACED_PAIR = 2


def _content_keys(text: str) -> frozenset[str]:
    return frozenset(stem(w.folded) for w in words(text) if not is_stopword(w.folded))


# Where one clause of a sentence ends and another, with its own subject, begins: a summary
# sentence often fuses two of the article's ("X did this, and Y did that").
_CLAUSE_BREAK = re.compile(
    r",\s+(?:and|but|while|whereas|as|after|before|with)\b|;|\s[-–—]\s"
    r"|\s(?:while|whereas|until|because|although|though|unless|that)\s")


def _clauses(text: str) -> list[str]:
    """``text`` cut at its clause breaks."""
    cuts = [0, *(m.end() for m in _CLAUSE_BREAK.finditer(text)), len(text)]
    return [text[a:b] for a, b in pairwise(cuts) if text[a:b].strip()]


_ASIDE = re.compile(r",\s+(?:which|who|whose|where)\b[^,]*,")


def _outside(spans: list[tuple[int, int]], start: int, stop: int) -> list[tuple[int, int]]:
    out, at = [], start
    for a, b in spans:
        out.append((at, a))
        at = b
    return [*out, (at, stop)]


def _clause_keys(text: str, name: Name) -> frozenset[str]:
    """The content words of the clause ``name`` stands in, or of the whole sentence when
    that clause says too little to place it by."""
    start = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, name.start)), default=0)
    stop = next((m.start() for m in _CLAUSE_BREAK.finditer(text, name.end)), len(text))
    # A relative clause set off by commas is about something else of the clause, unless
    # the name is in it.
    part = "".join(text[a:b] for a, b in _outside(
        [m.span() for m in _ASIDE.finditer(text, start, stop)
         if not m.start() <= name.start < m.end()], start, stop))
    clause = _content_keys(part)
    own = {stem(t) for t in name.tokens}
    return clause if len(clause - own) >= PLACED_MIN else _content_keys(text)


def _placed(claim: Claim, name: Name, keys: frozenset[str], att: SentenceAttribution,
            sources: Sources, speaker: Speaker | None) -> Claim:
    """``claim`` (a name the article has), or ``participant_elsewhere`` when the sentence
    that says the rest of the claim does not name it and no sentence naming it comes close:
    the name was put into another's claim."""
    own = {stem(t) for t in name.tokens} | {stem(t) for t in name.titles}
    rest = keys - own
    if not rest or (speaker is not None and set(name.tokens) & speaker.tokens):
        return claim  # who said it is the speaker check's to judge
    if set(name.tokens) <= home_words():
        return claim  # an Indonesian article's institutions are Indonesia's throughout
    by_index = {s.index: s for s in sources.sentences}
    carriers = [by_index[j] for j in att.indices if j in by_index]
    if not carriers:
        return claim
    said = _rarity(rest, sources)

    def says(s: SourceSentence) -> float:
        return sum(said[k] for k in rest & s.wide_bag)

    best = max(carriers, key=lambda s: (says(s), -s.index))
    # A person named in full once is named by surname after: "Evo Morales", then "Morales".
    short = name.tokens[-1:] if len(name.tokens) > 1 else name.tokens

    def names_it(s: SourceSentence) -> bool:
        return any(m.matched == len(tokens) for tokens in {name.tokens, short}
                   for side in s.sides for m in find_spans(tokens, side))

    # The claim's sentence must be clear: it shares PLACED_MIN words at least (PLACED_AT of
    # them with English to go by).
    need = max(PLACED_MIN, math.ceil(PLACED_AT * len(rest))) if len(best.sides) > 1 \
        else PLACED_MIN
    if len(rest & best.wide_bag) < need:
        return claim  # checked again below by weight; the count is the floor
    top = says(best)
    # A sentence the claim draws on places a name it has, when it says its part of the
    # claim. So does the sentence before the claim's sentence when that one names nobody of
    # its own or refers back ("Agus said ... . The investment ...", "... the TV star ...").
    shared = len(rest & best.wide_bag)
    near = [s for s in carriers if s is best or (
        len(rest & s.wide_bag) >= (1 if s.index == 0 else PLACED_PAIR)
        and (says(s) >= PLACED_SHARE * top or len(rest & s.wide_bag) >= PLACED_SHARE * shared))]
    before = by_index.get(best.index - 1)
    if before is not None and (not _names_anyone(best.text) or _REFERS_BACK.search(best.text)):
        near.append(before)
    if any(names_it(s) for s in near):
        return claim
    naming = [s for s in sources.sentences if names_it(s)]
    # Where no sentence names it as written (it was matched another way), there is nothing
    # to place it by; a sentence naming it that says much of the claim may be its source.
    if not naming or any(says(s) > PLACED_FAR * top for s in naming):
        return claim
    return replace(claim, supported=False, issue="participant_elsewhere", expected=None,
                   source=best.index, source_text=best.text)


# A sentence that goes on about someone or somewhere the sentence before named: a
# demonstrative ("gadis itu", "pria tersebut", "the former"), a pronoun opening it, or
# "there".
_REFERS_BACK = re.compile(
    r"\b(?:tersebut|itu|beliau)\b|^\W*(?:ia|dia|mereka|he|she|they|the former|the latter)\b"
    # a place the sentence before named: "tinggal di sana", "living there" (not "there are")
    r"|\b(?:di sana|di situ|ke sana|dari sana)\b"
    r"|(?<=\w\s)there\b(?!\s+(?:is|are|was|were|will|would|has|have|had|may|might|could)\b)",
    re.IGNORECASE)


def _rarity(keys: frozenset[str], sources: Sources) -> dict[str, float]:
    """Each key weighted by how few of the article's sentences have it: a word every
    sentence has ("production" in a piece on carmakers) says little about where a claim is
    from."""
    n = len(sources.sentences)
    return {k: math.log(1 + n / (1 + sources.frequency[k])) for k in keys}


def _names_anyone(text: str) -> bool:
    """Whether a sentence has a capitalised word past its first: a name of its own."""
    return any(w.text[:1].isupper() for w in words(text)[1:])


def _check_predicates(i: int, att: SentenceAttribution, sources: Sources,
                      clause_sources: Callable[[str], tuple[int, ...]]) -> list[tuple[int, Claim]]:
    """Polarity and direction against the supporting sentences, best supporting first."""
    by_index = {s.index: s for s in sources.sentences}
    indices = list(att.indices)
    # Each clause of a fused sentence has its own source, which the sentence as a whole may
    # leave out: a flipped predicate ("unable" -> "able") is what unties them.
    clauses = _clauses(att.text)
    if len(clauses) > 1:
        for clause in clauses:
            if cues(clause, "en"):
                indices += [j for j in clause_sources(clause)
                            if j not in indices]
    sides = [SideText(j, side.lang, side.text) for j in indices if j in by_index
             for side in by_index[j].sides]
    out = []
    for c in conflicts(att.text, sides):
        src = by_index[c.sentence]
        at = att.text.find(c.claim)
        out.append((max(at, 0), Claim("predicate", c.claim, c.value, False, issue=c.issue,
                                      expected=c.source_word, sentence=i, source=src.index,
                                      source_text=src.text)))
    return out


# Roles that name one office: a spokesman is a spokesperson.
_SAME_ROLE = (frozenset({"spokesman", "spokeswoman", "spokesperson"}),
              frozenset({"chairman", "chairwoman", "chairperson", "chair", "head", "chief"}),
              frozenset({"adviser", "advisor"}), frozenset({"lawyer", "attorney"}),
              frozenset({"ceo", "chief", "head", "director"}))


def _role_names(role: str) -> frozenset[str]:
    return frozenset({role}).union(*(g for g in _SAME_ROLE if role in g))


def _check_roles(i: int, att: SentenceAttribution, sources: Sources,
                 clause_sources: Callable[[str], tuple[int, ...]]) -> list[tuple[int, Claim]]:
    """A described role ("the spokesman for the agency") that the sentences its clause is
    from do not give, where they give another one: the role was changed. Titles written
    before a name ("Defence Minister Ri") are the name check's."""
    by_index = {s.index: s for s in sources.sentences}
    out = []
    at = 0
    for clause in _clauses(att.text):
        start, at = at, at + len(clause)
        found = [w for w in words(clause) if w.text.islower() and normal(w.folded) in ROLES]
        if not found:
            continue
        carriers = [by_index[j] for j in clause_sources(clause)[:2]
                    if j in by_index]
        for w in found:
            wanted = _role_names(normal(w.folded))
            sides = [side for s in carriers for side in s.sides]
            if not sides or any(p.names & wanted for side in sides for p in side.positions):
                continue
            other = next(((s, side, k) for s in carriers for side in s.sides
                          for k, p in enumerate(side.positions)
                          if p.names & ROLES and not p.names & wanted), None)
            if other is None:
                continue
            s, side, k = other
            # the role as the article writes it: "juru bicara", each word glossed as the role
            last = k
            while (last + 1 < len(side.positions)
                   and side.positions[last + 1].names & side.positions[k].names & ROLES):
                last += 1
            said = side.text[side.positions[k].word.start:side.positions[last].word.end]
            out.append((start + w.start, Claim(
                "role", w.text, normal(w.folded), False, issue="title_changed",
                expected=said, sentence=i, source=s.index, source_text=s.text)))
    return out


def _check_name(name: Name, i: int, supporting: Sequence[Found],
                elsewhere: Sequence[Found]) -> Claim:
    value = name.value
    whole_in: list[tuple[Found, SpanMatch]] = []
    best: tuple[int, Found, SpanMatch] | None = None
    for group in (supporting, elsewhere):
        for f in group:
            for m in find_spans(name.tokens, f.side):
                if m.matched == len(name.tokens):
                    whole_in.append((f, m))
                elif best is None or m.matched > best[0]:
                    best = (m.matched, f, m)
    if whole_in:
        for f, m in whole_in:
            if title_ok(name.titles, m):
                return _claim("entity", name.text, value, i, where=f)
        f, m = whole_in[0]
        return _claim("entity", name.text, value, i, "title_changed", source_title(m), f)
    if name.parts and all(any(m.matched == len(part) for f in (*supporting, *elsewhere)
                                  for m in find_spans(part, f.side)) for part in name.parts):
        return _claim("entity", name.text, value, i)
    expected = span_text(best[2]) if best is not None else None
    return _claim("entity", name.text, value, i, "not_in_source", expected,
                  best[1] if best is not None else None)


def review(attribution: Attribution, sources: Sources,
           tick: Callable[[], None] | None = None) -> FidelityReport:
    """The claims of every summary sentence, each checked against its supporting sentences;
    ``tick`` before each sentence."""
    ranked: list[tuple[int, int, Claim]] = []
    speakers = article_speakers(sources)
    for i, att in enumerate(attribution.summary_sentences):
        if tick is not None:
            tick()
        ranked += [(i, start, claim)
                   for start, claim in _review_sentence(i, att, sources, speakers)]
    seen: set[tuple[str, str, str | None]] = set()
    claims: list[Claim] = []
    for _, _, claim in sorted(ranked, key=lambda r: (r[0], r[1])):
        key = (claim.kind, claim.value, claim.issue)
        if key not in seen:
            seen.add(key)
            claims.append(claim)
    return FidelityReport(tuple(claims))

