"""``python -m eval.examples DIR``: hypotheses files to try the gate with, made from the
evaluation set's own reference digests (so nothing licensed is copied into the tree):
``digests.jsonl``, each article's longer digest as its summary (a system as good as the
references), and ``first-sentence.jsonl``, only that digest's first sentence (a system that
shrank to one sentence)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from eval import dataset


def first_sentence(text: str) -> str:
    from service.text.segment import split_sentences

    return (split_sentences(text, "en") or [text])[0]


EXAMPLES: dict[str, Callable[[str], str]] = {
    "digests": lambda text: text,
    "first-sentence": first_sentence,
}


def write(out: Path, strategy: str = "example") -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    docs = dataset.summary_set()
    for name, make in EXAMPLES.items():
        path = out / f"{name}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for doc in docs:
                fh.write(json.dumps({"doc_id": doc.doc_id, "strategy": strategy,
                                     "summary": make(doc.references[-1])},
                                    ensure_ascii=False) + "\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m eval.examples DIR", file=sys.stderr)
        return 2
    for path in write(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
