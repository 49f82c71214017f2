"""English verbs from Princeton WordNet 3.0: their lemmas and irregular forms, so that a
claim's "knew" meets a source's "don't know" and "voting" meets "vote".

The fidelity check reads them from ``data/wordnet-verbs.tsv.gz`` (licence in
``data/WORDNET-LICENSE.txt``), which :func:`extract` writes from a WordNet database
directory (Debian's ``wordnet-base`` installs one at ``/usr/share/wordnet``)::

    python -m service.fidelity.wordnet /usr/share/wordnet service/fidelity/data/wordnet-verbs.tsv.gz
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

DATA = "data/wordnet-verbs.tsv.gz"

# Regular inflections, as WordNet's morphy undoes them: (ending, what the lemma ends in).
_DETACH = (("ies", "y"), ("es", "e"), ("es", ""), ("s", ""), ("ied", "y"), ("ed", "e"),
           ("ed", ""), ("ing", "e"), ("ing", ""))


@dataclass(frozen=True)
class Verbs:
    lemmas: frozenset[str]
    forms: dict[str, str]  # irregular form -> lemma ("rose" -> "rise")

    def lemma(self, word: str) -> str | None:
        """The verb ``word`` is a form of, or None: "rose" -> "rise", "voting" -> "vote",
        "stopped" -> "stop"."""
        if word in self.forms:
            return self.forms[word]
        if word in self.lemmas:
            return word
        for ending, lemma_end in _DETACH:
            if word.endswith(ending) and len(word) > len(ending) + 1:
                base = word[: -len(ending)] + lemma_end
                if base in self.lemmas:
                    return base
                # a doubled consonant: "stopped" -> "stop", "planning" -> "plan"
                if (lemma_end == "" and len(base) > 2 and base[-1] == base[-2]
                        and base[:-1] in self.lemmas):
                    return base[:-1]
        return None


def parse(text: str) -> Verbs:
    lemmas: set[str] = set()
    forms: dict[str, str] = {}
    for line in text.splitlines():
        kind, *rest = line.split("\t")
        if kind == "lemma":
            lemmas.add(rest[0])
        elif kind == "form":
            forms[rest[0]] = rest[1]
    return Verbs(frozenset(lemmas), forms)


@cache
def load_verbs() -> Verbs:
    """The shipped WordNet verbs, read on first use."""
    data = resources.files("service.fidelity").joinpath(DATA).read_bytes()
    return parse(gzip.decompress(data).decode("utf-8"))


def extract(wordnet: Path) -> str:
    """The shipped file's text from a WordNet 3.0 database directory: one-word verb lemmas
    and their irregular forms (``verb.exc``)."""
    lemmas = sorted({line.split()[0] for line in
                     (wordnet / "index.verb").read_text(encoding="utf-8").splitlines()
                     if not line.startswith(" ") and "_" not in line.split()[0]})
    known = set(lemmas)
    forms = sorted((form, lemma) for form, lemma, *_ in
                   (line.split() for line in
                    (wordnet / "verb.exc").read_text(encoding="utf-8").splitlines())
                   if lemma in known and "_" not in form)
    lines: Iterable[str] = (
        *(f"lemma\t{w}" for w in lemmas),
        *(f"form\t{f}\t{lemma}" for f, lemma in forms),
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.write_bytes(gzip.compress(extract(source).encode("utf-8"), mtime=0))
