"""The evaluation set: seed articles and NTREX documents with reference digests, and the
translation test sets (NTREX-128 documents, NusaX-MT)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = ROOT / "eval" / "references"
NTREX = ROOT / "eval" / "data" / "ntrex-128" / "documents.jsonl"
NUSAX = ROOT / "eval" / "data" / "nusax-mt"


@dataclass(frozen=True)
class SummaryDoc:
    doc_id: str
    source: str  # the Indonesian article
    references: tuple[str, ...]  # English reference digests
    source_en: str | None = None  # the article's English original, where there is one (NTREX)


@dataclass(frozen=True)
class TranslationDoc:
    doc_id: str
    source: tuple[str, ...]  # Indonesian segments
    reference: tuple[str, ...]  # English, line-aligned


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def ntrex_documents(path: Path = NTREX) -> list[TranslationDoc]:
    return [TranslationDoc(str(d["doc_id"]), tuple(d["id"]), tuple(d["en"]))  # type: ignore[arg-type]
            for d in _jsonl(path)]


def nusax(split: str = "test", root: Path = NUSAX) -> TranslationDoc:
    rows = _jsonl(root / f"{split}.jsonl")
    return TranslationDoc(f"nusax-{split}", tuple(str(r["id"]) for r in rows),
                          tuple(str(r["en"]) for r in rows))


def summary_set(references: Path = REFERENCES, root: Path = ROOT,
                ntrex_path: Path = NTREX) -> list[SummaryDoc]:
    """Every article with reference digests, in a stable order (seeds first)."""
    ntrex = {d.doc_id: d for d in ntrex_documents(ntrex_path)} if ntrex_path.exists() else {}
    docs = []
    for path in sorted(references.glob("*.json"), key=lambda p: (not p.name.startswith("seed"),
                                                                 p.name)):
        data = json.loads(path.read_text(encoding="utf-8"))
        src = data["source"]
        english = None
        if src["kind"] == "seed":
            text = (root / src["path"]).read_text(encoding="utf-8")
        elif src["kind"] == "ntrex":
            # One line per paragraph: the first line is the headline.
            text = "\n\n".join(ntrex[src["doc_id"]].source)
            english = "\n\n".join(ntrex[src["doc_id"]].reference)
        else:
            raise ValueError(f"{path}: unknown source kind {src['kind']!r}")
        refs = tuple(d["text"] for d in data["digests"])
        docs.append(SummaryDoc(data["doc_id"], text, refs, english))
    return docs


def fingerprint(paths: Iterable[Path]) -> str:
    """sha256 over the files that make up the evaluation set (names and bytes)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        name, data = path.relative_to(ROOT).as_posix().encode(), path.read_bytes()
        # Length-prefixed, so no two different file sets can hash alike.
        for part in (name, data):
            digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def eval_set_files() -> list[Path]:
    files = list(REFERENCES.glob("*.json")) + list((ROOT / "seeds").glob("*.txt"))
    files += [p for p in (NTREX, NUSAX / "test.jsonl") if p.exists()]
    return files
