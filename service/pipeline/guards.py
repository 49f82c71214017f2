"""Degenerate output guard: find repetition loops in what a model wrote.

Decoding settings prevent some loops (``no_repeat_ngram_size`` where a model's config or
card uses it, or RINGKAS_NO_REPEAT_NGRAM_<ROLE>; ``max_new_tokens`` bounds in the translator
and summariser). This is the check after: a loop that got through becomes a
``repetition_detected`` warning.

The thresholds are set so that newsroom prose never trips them (the tests run the reference
digests in ``eval/references`` and the NTREX-128 English and Indonesian lines through it):
rhetorical repetition ("No, no, no, no, no."), reduplication ("kata-kata"), number groups
("1 000 000") and quoted laughter ("hahaha") stay below them, while the loops that decoding
produces ("of the of the of the", "meng meng meng meng", "atisatisatis") do not.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from service.pipeline.report import Report
from service.text import language

log = logging.getLogger(__name__)

# Words (letters, digits, marks) and runs of punctuation, each one token.
_TOKEN = re.compile(r"\w+|[^\w\s]+")
# A unit of 2-6 letters (not all the same letter: "NOOOOO" is a shout) written back to back
# inside one word: subword loops glued together ("atisatisatis"). Shorter units need more
# repeats: chat-style laughter and tutting ("hahahaha", "wkwkwkwk", "tsktsktsk") get there.
CHAR_UNIT_REPEATS = {2: 6, 3: 4, 4: 3, 5: 3, 6: 3}

# Same word token N times in a row ("meng meng meng meng").
SAME_TOKEN_RUN = 4
# Numbers repeat legitimately in groups ("1 000 000 000"): only a longer run is a loop.
SAME_NUMBER_RUN = 6
# An n-gram (2-4 tokens) written N times back to back ("of the of the of the").
NGRAM_SIZES = (2, 3, 4)
NGRAM_REPEATS = 3
# A unit with a single word ("no ,", "the the") is rhetoric up to a point: the speaker's
# "No, no, no, no, no." repeats "no ," four times.
SINGLE_WORD_UNIT_REPEATS = 6


@dataclass(frozen=True)
class Repetition:
    """Where and how an output loops; never carries the text itself (it may be embargoed)."""

    kind: str  # "token", "ngram" or "characters"
    size: int  # tokens in the repeated unit (characters for "characters")
    repeats: int  # how many times in a row
    position: int  # index of the token where the loop starts

    def describe(self) -> str:
        if self.kind == "token":
            return f"one word repeated {self.repeats} times in a row"
        if self.kind == "ngram":
            return f"a {self.size}-token phrase repeated {self.repeats} times in a row"
        return f"a {self.size}-letter unit repeated {self.repeats} times inside one word"


def tokens(text: str) -> list[str]:
    return [t.casefold() for t in _TOKEN.findall(text)]


def _is_word(token: str) -> bool:
    return any(c.isalnum() for c in token)


def _run(seq: list[str], start: int, size: int) -> int:
    """How many times seq[start:start+size] occurs back to back from ``start``."""
    unit = seq[start:start + size]
    count = 1
    pos = start + size
    while seq[pos:pos + size] == unit:
        count += 1
        pos += size
    return count


def find_repetition(text: str) -> Repetition | None:
    """The first repetition loop in ``text``, or None when it reads like prose."""
    toks = tokens(text)
    # Same token in a row.
    i = 0
    while i < len(toks):
        run = _run(toks, i, 1)
        if _is_word(toks[i]):
            limit = SAME_NUMBER_RUN if toks[i].isdigit() else SAME_TOKEN_RUN
            if run >= limit:
                return Repetition("token", 1, run, i)
        i += run
    # Phrases written back to back.
    for size in NGRAM_SIZES:
        for i in range(len(toks) - size * 2 + 1):
            unit = toks[i:i + size]
            words = [t for t in unit if _is_word(t)]
            if not words or len(set(unit)) == 1:
                continue  # punctuation only, or a same-token run (handled above)
            run = _run(toks, i, size)
            needed = NGRAM_REPEATS if len(set(words)) > 1 else SINGLE_WORD_UNIT_REPEATS
            if run >= needed:
                return Repetition("ngram", size, run, i)
    # Subword loops glued into one "word".
    for i, tok in enumerate(toks):
        loop = _char_loop(tok)
        if loop is not None:
            return Repetition("characters", loop[0], loop[1], i)
    return None


def _char_loop(token: str) -> tuple[int, int] | None:
    """(unit length, repeats) of a letter unit looping inside ``token``, if any."""
    for size, needed in CHAR_UNIT_REPEATS.items():
        for start in range(len(token) - size * needed + 1):
            unit = token[start:start + size]
            if len(set(unit)) == 1 or not unit.isalpha():
                continue
            repeats = 1
            while token.startswith(unit, start + repeats * size):
                repeats += 1
            if repeats >= needed:
                return size, repeats
    return None


def check_empty(report: Report, text: str, what: str) -> bool:
    """Warn ``empty_output`` when the model produced no text for ``what``: an empty answer
    is never a plain success."""
    if text.strip():
        return False
    report.warn("empty_output", f"{what} is empty: the model produced no text")
    return True


def check_repetition(report: Report, text: str, what: str) -> Repetition | None:
    """Warn ``repetition_detected`` when ``text`` loops; ``what`` names the output ("the
    English summary (en)", "translation 3"). Neither the warning nor the log quotes it."""
    found = find_repetition(text)
    if found is not None:
        report.warn("repetition_detected", f"{what} repeats itself ({found.describe()}): "
                    "the model's output degenerated into a loop")
        log.info("repetition_detected output=%r kind=%s size=%d repeats=%d", what, found.kind,
                 found.size, found.repeats)
    return found


# C0 and C1 control characters (and DEL) but newline and tab: a model that emits them
# (random weights, a byte-level vocabulary gone astray) would carry them into a terminal or
# a newsroom's page.
# Bidirectional overrides and isolates (they can make a page show other text than it holds)
# and the line/paragraph separators that break JavaScript strings go too.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def strip_controls(text: str) -> str:
    """``text`` as :func:`printable` returns it, without a report to tell."""
    return _CONTROLS.sub("", text)


def printable(report: Report, text: str, what: str) -> str:
    """``text`` without control characters, with a ``control_characters_removed`` warning
    naming the output when there were any."""
    cleaned, removed = _CONTROLS.subn("", text)
    if removed:
        report.warn("control_characters_removed", f"{removed} control character(s) were "
                    f"removed from {what}")
    return cleaned


def check_language(report: Report, text: str, expected: str, what: str) -> None:
    """Warn ``unexpected_language`` when ``text`` is confidently not in ``expected`` (Malay
    passes for Indonesian); short texts are not judged. Never an error."""
    found = language.unexpected(text, expected)
    if found is not None:
        lang, confidence = found
        report.warn("unexpected_language",
                    f"{what} {language.describe(lang, confidence, expected)}; the models "
                    f"expect {language.name(expected)}, so the output may be meaningless")
