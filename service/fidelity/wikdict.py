"""Indonesian words and their English, from the FreeDict English-Indonesian dictionary
(WikDict, built from Wiktionary; CC BY-SA 3.0): the everyday and institutional words the
hand-written lexicon lacks ("komite" is "committee", "bandar udara" is "airport", "siaran"
is "broadcast"), so that a translated name or claim meets its Indonesian source.

The lexicon reads it from ``data/wikdict-id-en.tsv.gz`` (licence and attribution in
``data/README.md``), which :func:`extract` writes from the dictd file of Debian's
``dict-freedict-eng-ind`` package::

    python -m service.fidelity.wikdict /usr/share/dictd/freedict-eng-ind.dict.dz \
        service/fidelity/data/wikdict-id-en.tsv.gz
"""

from __future__ import annotations

import gzip
import re
import sys
from collections.abc import Iterator
from pathlib import Path

DATA = "data/wikdict-id-en.tsv.gz"

# "committee /[kɑmɪˈtiː]/ <n>": a headword, its pronunciations and its part of speech.
_HEADWORD = re.compile(r"^(?P<word>[^/<]+?)\s+(?:/+[^/]+/+\s*)*<(?P<pos>[\w. ]+)>$")
# "1. persekutuan, aliansi": a numbered sense; "siaran 2.": a sense whose next is empty.
_SENSE = re.compile(r"^\s*\d+\.\s*")
_TRAILING_SENSE = re.compile(r"\s+\d+\.\s*$")
_INDONESIAN = re.compile(r"[a-zé]+(?:[- ][a-zé]+){0,2}")
_ENGLISH = re.compile(r"[a-z]+(?: [a-z]+)?")
# Parts of speech whose words name things, events and acts: a function word's entry
# ("the", "of") would gloss half of every sentence.
_KEPT = frozenset({"n", "v", "adj", "adv", "pn", "propn"})


def _entries(text: str) -> Iterator[tuple[str, str, list[str]]]:
    """(headword, part of speech, its entry's lines after the headword)."""
    head: tuple[str, str] | None = None
    body: list[str] = []
    for line in text.splitlines():
        m = _HEADWORD.match(line)
        if m is not None:
            if head is not None:
                yield head[0], head[1], body
            head, body = (m.group("word").strip(), m.group("pos").strip()), []
        elif head is not None:
            body.append(line)
    if head is not None:
        yield head[0], head[1], body


def _translations(body: list[str]) -> Iterator[str]:
    """The Indonesian of an entry: its first line and every numbered line (the others are
    English definitions)."""
    for n, line in enumerate(body):
        if n == 0 or _SENSE.match(line):
            line = _TRAILING_SENSE.sub("", _SENSE.sub("", line))
            for item in line.split(","):
                item = item.strip().casefold()
                if _INDONESIAN.fullmatch(item):
                    yield item


def extract(text: str) -> str:
    """The shipped file's text: one Indonesian word or phrase a line, a tab, and the
    English headwords that translate it, separated by "; "."""
    english_for: dict[str, set[str]] = {}
    for headword, pos, body in _entries(text):
        word = headword.casefold()
        if pos not in _KEPT or not _ENGLISH.fullmatch(word):
            continue
        for indonesian in _translations(body):
            if indonesian != word:
                english_for.setdefault(indonesian, set()).add(word)
    return "".join(f"{k}\t{'; '.join(sorted(v))}\n" for k, v in sorted(english_for.items()))


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    raw = source.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # dictzip is gzip
        raw = gzip.decompress(raw)
    target.write_bytes(gzip.compress(extract(raw.decode("utf-8")).encode("utf-8"), mtime=0))
