"""What a claim says happened: its polarity (did / did not, admitted / denied) and its
direction of change or outcome (rose / fell, won / lost, approved / rejected), read from a
lexicon shipped as package data (``data/predicates.tsv``), in English and Indonesian.

A summary sentence is compared with the article sentences attribution found for it, on
both the Indonesian side and its English where the strategy made one. A direction word is
wrong when those sentences use the opposite pole of its axis and never its own; a negation
is wrong when they state the negated word plainly, and a plain word is wrong when they
only ever negate it. Where the sources are silent on an axis nothing is reported: the
check names a conflict it can show, with both words and the source sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from service.fidelity.lexicon import Lexicon, load_lexicon, root_candidates
from service.fidelity.wordnet import load_verbs
from service.fidelity.words import Word, is_stopword, normal, stem, words

PREDICATES_FILE = "data/predicates.tsv"

NEGATORS = {
    "en": frozenset({"not", "no", "never", "without", "none", "nobody", "nothing", "neither",
                     "nor", "cannot", "nowhere"}),
    "id": frozenset({"tidak", "tak", "bukan", "belum", "tanpa", "tiada", "jangan", "takkan",
                     "tidaklah", "bukanlah", "belumlah"}),
}
# A negator these follow is not a claim's negation: "not only ... but also", "tidak lain"
# (none other than), and figures' hedges ("no more than", "tidak sampai 10").
_NOT_NEGATION = {
    "en": frozenset({"only", "just", "merely", "least", "later", "longer than", "more",
                     "less", "fewer", "matter", "doubt", "exception", "sooner"}),
    "id": frozenset({"hanya", "cuma", "saja", "lain", "sampai", "lebih", "kurang", "heran",
                     "terkecuali"}),
}
# Words between a negator and the word it negates ("did not even try", "tidak akan ikut").
_BRIDGE = {
    "en": frozenset({"be", "am", "is", "are", "was", "were", "been", "being", "have", "has",
                     "had", "do", "does", "did", "will", "would", "shall", "should", "can",
                     "could", "may", "might", "must", "to", "a", "an", "the", "any", "yet",
                     "ever", "even", "also", "immediately", "always", "get", "got", "so",
                     "very", "much", "one", "as", "of", "such"}),
    "id": frozenset({"akan", "bisa", "dapat", "mau", "ingin", "pernah", "lagi", "juga",
                     "sempat", "ada", "perlu", "harus", "boleh", "mampu", "yang", "sedang",
                     "pula", "terlalu", "begitu", "cukup", "sama", "sekali", "pun", "lah",
                     "jadi", "menjadi", "terlihat", "tampak", "mungkin", "seorang",
                     "satu", "ikut", "untuk", "bakal", "kunjung", "dia", "ia", "mereka",
                     "kami", "kita", "saya", "beliau"}),
}
_REACH = 4  # words a negator reaches past the bridge words


@dataclass(frozen=True)
class Entry:
    axis: str
    kind: str  # "direction" | "polarity"
    pole: str
    lang: str
    words: tuple[str, ...]  # folded; several: a phrase
    exact: bool  # Indonesian: only as written, not through the stemmer


@dataclass(frozen=True)
class Predicates:
    entries: tuple[Entry, ...]
    poles: dict[str, tuple[str, ...]]  # axis -> its poles
    kinds: dict[str, str]  # axis -> "direction" | "polarity"
    # First word -> the entries starting with it, longest first (English; exact Indonesian).
    index: dict[str, dict[str, list[Entry]]]
    roots: dict[str, Entry]  # Indonesian root -> its entry, matched through the stemmer


def parse_predicates(text: str) -> Predicates:
    entries: list[Entry] = []
    poles: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        axis, kind, pole, lang, listed = line.split("\t")
        poles.setdefault(axis, [])
        if pole not in poles[axis]:
            poles[axis].append(pole)
        kinds[axis] = kind
        for item in listed.split(";"):
            item = item.strip()
            exact = item.startswith("=")
            folded = tuple(item.lstrip("=").casefold().split())
            entries.append(Entry(axis, kind, pole, lang, folded, exact or len(folded) > 1))
    index: dict[str, dict[str, list[Entry]]] = {"en": {}, "id": {}}
    for e in entries:
        if e.lang == "en" or e.exact:
            index[e.lang].setdefault(e.words[0], []).append(e)
    for table in index.values():
        for listed_entries in table.values():
            listed_entries.sort(key=lambda e: -len(e.words))
    roots = {e.words[0]: e for e in entries if e.lang == "id" and not e.exact}
    return Predicates(tuple(entries), {a: tuple(p) for a, p in poles.items()}, kinds, index,
                      roots)


@cache
def load_predicates() -> Predicates:
    """The shipped lexicon, read on first use."""
    text = (resources.files("service.fidelity").joinpath(PREDICATES_FILE)
            .read_text(encoding="utf-8"))
    return parse_predicates(text)


@dataclass(frozen=True)
class Cue:
    """A predicate word as a text writes it."""

    axis: str
    kind: str
    pole: str
    text: str
    start: int
    end: int
    negated: bool


@dataclass(frozen=True)
class Negation:
    """A negator and the word it negates (``head``), with the English stems it stands for."""

    text: str  # as written, negator to head: "did not attend", "tidak hadir"
    head: str
    keys: frozenset[str]
    start: int
    end: int
    head_index: int


def _folded(ws: Sequence[Word]) -> list[str]:
    return [w.folded.replace("’", "'") for w in ws]


def _is_negator(word: str, lang: str) -> bool:
    return word in NEGATORS[lang] or (lang == "en" and word.endswith("n't"))


def negations(text: str, lang: str, lexicon: Lexicon | None = None) -> list[Negation]:
    """Each negator of ``text`` with the content word it negates."""
    ws = words(text)
    folded = _folded(ws)
    lex = lexicon or load_lexicon()
    out: list[Negation] = []
    for i, w in enumerate(folded):
        if not _is_negator(w, lang):
            continue
        nxt = folded[i + 1] if i + 1 < len(folded) else ""
        if nxt in _NOT_NEGATION[lang] or " ".join(folded[i + 1:i + 3]) in _NOT_NEGATION[lang]:
            continue
        j = i + 1
        while j < len(folded) and j - i <= _REACH and (folded[j] in _BRIDGE[lang]
                                                        or _is_negator(folded[j], lang)):
            j += 1
        if j >= len(folded) or j - i > _REACH:
            continue
        head = folded[j]
        keys = _keys(head, lang, lex)
        if keys:
            out.append(Negation(text[ws[i].start:ws[j].end], ws[j].text, keys, ws[i].start,
                                ws[j].end, j))
    return out


def _keys(word: str, lang: str, lexicon: Lexicon) -> frozenset[str]:
    """The English stems a word stands for, and the predicate it states ("@change:up" for
    "raise", "rose" and "menaikkan" alike)."""
    own = frozenset({stem(word)}) | _predicate_keys(word, lang)
    if lang == "en":
        # "knew" is "know", "voting" is "vote" (WordNet's verb forms)
        lemma = load_verbs().lemma(word)
        return own | {stem(lemma)} if lemma else own
    return frozenset(stem(normal(g)) for g in lexicon.glosses(word)) | own


def _predicate_keys(word: str, lang: str) -> frozenset[str]:
    preds = load_predicates()
    entry = next((e for e in preds.index[lang].get(word, ()) if e.words == (word,)), None)
    if entry is None and lang == "id":
        entry = next((preds.roots[c] for c in root_candidates(word) if c in preds.roots),
                     None)
    return frozenset({f"@{entry.axis}:{entry.pole}"}) if entry is not None else frozenset()


def cues(text: str, lang: str, predicates: Predicates | None = None) -> list[Cue]:
    """Each predicate word of ``text``, longest phrase first, each word used once."""
    preds = predicates or load_predicates()
    ws = words(text)
    folded = _folded(ws)
    index = preds.index[lang]
    roots = preds.roots if lang == "id" else {}
    negated_at = {n.head_index for n in negations(text, lang)} if ws else set()
    neg_words = {i for i, w in enumerate(folded) if _is_negator(w, lang)}
    out: list[Cue] = []
    i = 0
    while i < len(folded):
        w = folded[i]
        hit: Entry | None = None
        size = 1
        for e in index.get(w, ()):
            if tuple(folded[i:i + len(e.words)]) == e.words:
                hit, size = e, len(e.words)
                break
        if hit is None and roots:
            hit = next((roots[c] for c in root_candidates(w) if c in roots), None)
        if hit is not None and not _qualifier_use(folded, i, size, hit):
            negated = i in negated_at or any(k in neg_words for k in range(max(0, i - 3), i))
            out.append(Cue(hit.axis, hit.kind, hit.pole, text[ws[i].start:ws[i + size - 1].end],
                           ws[i].start, ws[i + size - 1].end, negated))
            i += size
            continue
        i += 1
    return out


def _qualifier_use(folded: Sequence[str], i: int, size: int, entry: Entry) -> bool:
    """"more than 800", "most of", "lebih dari": a figure's hedge, which the number check
    reads, or a quantifier, not a claim of degree."""
    if entry.axis != "degree":
        return False
    after = folded[i + size] if i + size < len(folded) else ""
    return after in {"than", "of", "dari", "daripada"} or after[:1].isdigit()


def effective_pole(cue: Cue, predicates: Predicates) -> str | None:
    """The pole a cue asserts: its own; for a polarity axis of two poles a negated cue
    asserts the other ("did not admit" denies); a negated direction asserts none."""
    if not cue.negated:
        return cue.pole
    poles = predicates.poles.get(cue.axis, ())
    if cue.kind == "polarity" and len(poles) == 2:
        return poles[1] if cue.pole == poles[0] else poles[0]
    return None


@dataclass(frozen=True)
class SideText:
    """One language's text of one source sentence."""

    sentence: int
    lang: str
    text: str


@dataclass(frozen=True)
class Conflict:
    issue: str  # "direction_mismatch" | "polarity_mismatch"
    claim: str  # the summary's word(s)
    value: str  # "change:down", "not:attend"
    source_word: str | None
    sentence: int  # the source sentence


def conflicts(claim: str, sides: Sequence[SideText],
              predicates: Predicates | None = None,
              lexicon: Lexicon | None = None) -> list[Conflict]:
    """The predicate conflicts between one English summary sentence and the sides of its
    supporting sentences (best supporting first)."""
    preds = predicates or load_predicates()
    lex = lexicon or load_lexicon()
    if not sides:
        return []
    out = _direction(claim, sides, preds, lex)
    out += _polarity(claim, sides, lex)
    return out


CONTEXT = 6  # words either side of a predicate word that say what it is about


def _context(text: str, lang: str, start: int, end: int, lex: Lexicon) -> frozenset[str]:
    """The English stems of the content words around ``text[start:end]``."""
    ws = words(text)
    at = next((i for i, w in enumerate(ws) if w.start >= start), len(ws))
    stop = next((i for i, w in enumerate(ws) if w.start >= end), len(ws))
    near = ws[max(0, at - CONTEXT):at] + ws[stop:stop + CONTEXT]
    return frozenset(k for w in near if not is_stopword(w.folded) and not w.folded.isdigit()
                     for k in _keys(w.folded, lang, lex))


def _direction(claim: str, sides: Sequence[SideText], preds: Predicates,
               lex: Lexicon) -> list[Conflict]:
    source_cues = [(s, c) for s in sides for c in cues(s.text, s.lang, preds)]
    out: list[Conflict] = []
    for cue in cues(claim, "en", preds):
        pole = effective_pole(cue, preds)
        if pole is None:
            continue
        theirs = [(s, c, p) for s, c in source_cues if c.axis == cue.axis
                  and (p := effective_pole(c, preds)) is not None]
        if not theirs:
            continue
        # Both poles in the sources ("declined to comment ... officials who agreed to
        # talk"): the one about what the claim's word is about decides.
        mine = _context(claim, "en", cue.start, cue.end, lex)

        def about(item: tuple[SideText, Cue, str], mine: frozenset[str] = mine) -> int:
            side, c, _ = item
            return len(mine & _context(side.text, side.lang, c.start, c.end, lex))

        same = max((about(t) for t in theirs if t[2] == pole), default=-1)
        others = [t for t in theirs if t[2] != pole]
        if not others:
            continue
        side, other, _ = max(others, key=about)
        if same >= 0 and same >= about((side, other, "")):
            continue
        issue = "polarity_mismatch" if cue.kind == "polarity" else "direction_mismatch"
        out.append(Conflict(issue, cue.text, f"{cue.axis}:{pole}", other.text, side.sentence))
    return out


def _plain_keys(text: str, lang: str, lex: Lexicon) -> dict[str, Word]:
    """English stem -> a word of ``text`` standing for it, outside any negation."""
    ws = words(text)
    negated = {n.head_index for n in negations(text, lang, lex)}
    found: dict[str, Word] = {}
    for i, w in enumerate(ws):
        if i in negated or _is_negator(w.folded, lang):
            continue
        for k in _keys(w.folded, lang, lex):
            found.setdefault(k, w)
    return found


# How far after a claim's negator a word may be that its negation is about, and how far
# before ("reported no irregularities").
_NEGATED_BEFORE, _NEGATED_AFTER = 6, 2


def _polarity(claim: str, sides: Sequence[SideText], lex: Lexicon) -> list[Conflict]:
    out: list[Conflict] = []
    source_negs = [(s, n) for s in sides for n in negations(s.text, s.lang, lex)]
    plain = [(s, _plain_keys(s.text, s.lang, lex)) for s in sides]
    # A side negating anything may negate the claim's word through another: "tidak
    # memberikan komentar publik" is "no public comment".
    affirmative = [(s, found) for s, found in plain
                   if not any(n is not None and side is s for side, n in source_negs)]
    claim_negs = negations(claim, "en", lex)
    for neg in claim_negs:
        if any(n.keys & neg.keys for _, n in source_negs):
            continue
        stated = next(((s, found[k]) for s, found in affirmative for k in neg.keys
                       if k in found), None)
        if stated is not None:
            side, word = stated
            out.append(Conflict("polarity_mismatch", neg.text, f"not:{neg.head.casefold()}",
                                word.text, side.sentence))
    claim_plain = _plain_keys(claim, "en", lex)
    claim_negated = {k for n in claim_negs for k in n.keys}
    claim_words = words(claim)
    negators = [i for i, w in enumerate(claim_words) if _is_negator(w.folded, "en")]
    reported: set[str] = set()
    for side, n in source_negs:
        hit = next((k for k in sorted(n.keys) if k in claim_plain and k not in claim_negated),
                   None)
        if hit is None or hit in reported:
            continue
        at = next(i for i, w in enumerate(claim_words) if w.start == claim_plain[hit].start)
        if any(0 < at - i <= _NEGATED_BEFORE or 0 < i - at <= _NEGATED_AFTER
               for i in negators):
            continue  # the claim negates it too, around another word: "cannot be used as a
            # tool" is "tidak bisa dijadikan alat", "reported no irregularities" is "belum
            # ada laporan pelanggaran"
        if any(k in found for other, found in plain for k in n.keys
               if other is side or other.sentence != side.sentence):
            continue  # the sources also state it plainly: not theirs to contradict (a
            # translation of the same sentence says what it says: its "pemilihan umum" is
            # no plain vote)
        reported.add(hit)
        word = claim_plain[hit]
        out.append(Conflict("polarity_mismatch", word.text, f"plain:{word.folded}", n.text,
                            side.sentence))
    return out
