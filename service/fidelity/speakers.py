"""Who says what: the speaker a summary sentence gives a quote or a reported claim ("X
said", "said X", "according to X"), against the speaker of the article sentence that
carries that claim ("..., kata X", "menurut X", "X mengatakan", and the speaker of a quote
carried to the quote that goes on in the next sentence).

The sentence that carries the claim is the supporting sentence sharing most of the claim's
words once the speaker's own name is set aside: a wrong speaker's name pulls attribution
towards that speaker's other sentences, never the claim's words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.fidelity.align import covers, units_of
from service.fidelity.entities import TITLES, fold
from service.fidelity.gazetteer import place_words
from service.fidelity.sources import Side, Sources, SourceSentence
from service.fidelity.words import is_stopword, normal, stem, words

_NAME = r"(?:[A-Z][\w'’.\-]*(?:\s+(?:bin|binti|van|de|al|of|the)\b)?\s+){0,5}[A-Z][\w'’\-]*"
# What may stand before the name it describes: "South Korean lawmaker Park Byeong-seug",
# "Indonesian disaster agency spokesman Sutopo". Lower-case words only, none a function word.
_DESCRIBED = (rf"(?:{_NAME}\s+(?:(?!(?:in|on|at|the|of|and|for|to|from|with|by|as)\b)"
              r"[a-z][\w'’\-]*\s+){1,3})?")
# The same in Indonesian, after the verb: "kata pihak Palang Merah", "ujar juru bicara
# BNPB Sutopo". Not "kata seorang anggota parlemen Korea Selatan": someone unnamed, of a
# place.
_ID_DESCRIBED = (r"(?!(?:seorang|salah|sejumlah|beberapa|banyak|sebuah)\b)"
                 r"(?:(?!(?:dia|ia|mereka|beliau|kami|kepada|di|pada|dalam|bahwa|saat|ketika|"
                 r"yang|dan|untuk|dari|oleh|sebagai|seperti|itu|ini|lagi|pula|juga)\b)"
                 r"[a-z][\w\-]*\s+){0,3}")
# Two speakers of one statement: "Reni Yanita and Budi Setiawan said".
_WHO = rf"{_NAME}(?:\s+(?:and|dan)\s+{_NAME})?"
_AND = re.compile(r"\s+(?:and|dan)\s+")
_EN_VERBS = (r"said|says|told|added|stated|explained|noted|warned|insisted|argued|claimed|"
             r"wrote|announced|stressed|urged|predicted|declared")
_ID_AFTER = (r"ujar(?:nya)?|kata(?:nya)?|ungkap(?:nya)?|jelas(?:nya)?|tutur(?:nya)?|"
             r"tegas(?:nya)?|ucap(?:nya)?|imbuh(?:nya)?|tambah(?:nya)?|papar(?:nya)?|"
             r"terang(?:nya)?|sebut(?:nya)?|lanjut(?:nya)?|pungkas(?:nya)?|tandas(?:nya)?|"
             r"seru(?:nya)?")
_ID_BEFORE = (r"mengatakan|menyatakan|menjelaskan|mengungkapkan|menegaskan|menyebutkan|"
              r"menuturkan|berkata|mengaku|menambahkan|memaparkan|menerangkan|menyampaikan|"
              r"mengklaim|membantah|mengonfirmasi|memperingatkan|mengumumkan|menulis")
_PATTERNS = {
    "en": (
        re.compile(rf"\baccording to\s+(?:the\s+)?{_DESCRIBED}(?P<who>{_WHO})"),
        re.compile(rf"\b(?:{_EN_VERBS})\s+{_DESCRIBED}(?P<who>{_WHO})"),
        re.compile(rf"(?P<who>{_WHO})(?:,[^,]{{1,60}},)?\s+(?:{_EN_VERBS})\b"),
    ),
    "id": (
        re.compile(rf"\b[Mm]enurut\s+(?P<who>{_WHO})"),
        re.compile(rf"\b(?:{_ID_AFTER})\s+{_ID_DESCRIBED}(?P<who>{_WHO})"),
        re.compile(rf"(?P<who>{_WHO})(?:,[^,]{{1,60}},)?\s+(?:{_ID_BEFORE})\b"),
    ),
}
# Who a sentence names when it reports its previous sentence's speaker again.
_PRONOUN = re.compile(r"^\W*(?:he|she|they|ia|dia|beliau|mereka)\b", re.IGNORECASE)
_QUOTE = re.compile(r"[\"“”«»]")
# A sentence naming the claimed speaker that covers this share of what the best carrier of
# the claim covers may be where the claim comes from.
CLOSE_ENOUGH = 0.75
_NOT_SPEAKERS = frozenset({"the", "this", "that", "it", "in", "on", "at", "but", "and",
                           "dalam", "di", "pada", "hal", "ini", "itu", "ia", "dia", "he",
                           "she", "they", "we", "i", "you", "police", "officials", "sumber",
                           "source", "sources", "seorang", "warga"})
# Words before a speaker's name that are not part of it: "kata pihak Palang Merah".
_LEADING = re.compile(r"^(?:(?:pihak|para|sang|the)\s+)+", re.IGNORECASE)


@dataclass(frozen=True)
class Speaker:
    text: str  # as written
    tokens: frozenset[str]  # folded, normalised words of the name, titles aside
    # The reported words: what follows "X said", what precedes '..., said X'.
    reported: str = ""
    # Each person's words when two speak together ("Reni Yanita and Budi Setiawan said").
    persons: tuple[frozenset[str], ...] = ()


def _tokens(name: str) -> frozenset[str]:
    return frozenset(normal(w.folded) for w in words(name)
                     if w.folded not in TITLES and not is_stopword(w.folded))


def speaker_of(text: str, lang: str) -> Speaker | None:
    """The named speaker ``text`` reports, or None."""
    for pattern in _PATTERNS[lang]:
        for m in pattern.finditer(text):
            who = _LEADING.sub("", m.group("who").strip(" ,."))
            tokens = _tokens(who)
            first = fold(who.split()[0]) if who.split() else ""
            if tokens and first not in _NOT_SPEAKERS:
                after, before = text[m.end():], text[:m.start()]
                reported = after if len(words(after)) >= 3 else before
                persons = tuple(t for part in _AND.split(who) if (t := _tokens(part)))
                return Speaker(who, tokens, reported, persons)
    return None


def article_speakers(sources: Sources) -> dict[int, tuple[Speaker, Side]]:
    """Source sentence index -> its speaker (and the side naming it); a quote or a pronoun
    without a named speaker is the previous sentence's speaker's."""
    found: dict[int, tuple[Speaker, Side]] = {}
    previous: tuple[Speaker, Side] | None = None
    for s in sources.sentences:
        own = next(((sp, side) for side in s.sides
                    if (sp := speaker_of(side.text, side.lang)) is not None), None)
        if own is not None:
            found[s.index] = own
            previous = own
        elif previous is not None and (_QUOTE.search(s.text) or _PRONOUN.search(s.text)):
            found[s.index] = previous
        else:
            previous = None
    return found


def _names(speaker: Speaker, side: Side) -> frozenset[str]:
    """The speaker's words with the English the side's lexicon gives them."""
    out: set[str] = set(speaker.tokens)
    for p in side.positions:
        if normal(p.word.folded) in speaker.tokens:
            out |= p.names
    return frozenset(out)


def _named_in(speaker: Speaker, sentence: SourceSentence) -> bool:
    """Whether the sentence names the speaker (one of them, when two speak together)."""
    persons = speaker.persons or (speaker.tokens,)
    return any(person <= {normal(p.word.folded) for p in side.positions}
               | {n for p in side.positions for n in p.names}
               for side in sentence.sides for person in persons)


@dataclass(frozen=True)
class SpeakerConflict:
    claimed: Speaker
    found: Speaker
    source: SourceSentence
    quote: str  # the summary's reported words


def check_speaker(sentence: str, supporting: Sequence[int],
                  sources: Sources, speakers: dict[int, tuple[Speaker, Side]],
                  ) -> SpeakerConflict | None:
    """A conflict when the claim's carrier among ``supporting`` has another speaker."""
    claimed = speaker_of(sentence, "en")
    if claimed is None or not supporting or claimed.tokens <= place_words():
        return None  # "South Korean officials said": a nationality, not a speaker
    if not any(_named_in(claimed, s) for s in sources.sentences):
        return None  # a speaker the article never names: the name check reports it
    by_index = {s.index: s for s in sources.sentences}
    units = [u for u in units_of(claimed.reported or sentence, sources)
             if u.key not in {stem(t) for t in claimed.tokens}]
    if not units:
        return None

    def weight(s: SourceSentence) -> float:
        return sum(u.weight for u in units if covers(s, u))

    carriers = sorted((j for j in supporting if j in by_index),
                      key=lambda j: (-weight(by_index[j]), j))
    # A figure is the claim: the sentence giving the reported figures is where it is from.
    figures = [u for u in units if u.quantity is not None]

    def gives_figures(s: SourceSentence) -> bool:
        return bool(figures) and all(covers(s, u) for u in figures)

    with_figures = [j for j in carriers if gives_figures(by_index[j])]
    if not with_figures:
        figures = []  # a figure no sentence gives is the number check's to report
    carriers = with_figures or carriers
    best = carriers[0] if carriers else None
    if best is None or best not in speakers:
        return None
    found, side = speakers[best]
    top = weight(by_index[best])

    def theirs(s: SourceSentence) -> bool:
        said = speakers.get(s.index)
        return _named_in(claimed, s) or (said is not None
                                         and bool(claimed.tokens & _names(*said)))

    # The claimed speaker's sentence nearly as close to the claim (anywhere in the article:
    # attribution may have left it out), or giving the claim's own figures: the claim may
    # be theirs.
    if any(theirs(s) for s in sources.sentences
           if (gives_figures(s) if figures else weight(s) >= CLOSE_ENOUGH * top)):
        return None
    if claimed.tokens & _names(found, side):
        return None
    quote = _QUOTE.split(sentence)[1] if len(_QUOTE.findall(sentence)) >= 2 else sentence
    return SpeakerConflict(claimed, found, by_index[best], quote.strip())
