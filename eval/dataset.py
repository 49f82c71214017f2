"""The evaluation set: seed articles and NTREX documents with reference digests, and the
translation test sets (NTREX-128 documents, NusaX-MT).

Every file is named by its path in a source checkout (``eval/…``; a seed ``seeds/NAME.txt``):
the name the fingerprint hashes, so an installed copy, which reads them as package data,
has the fingerprint of the checkout it was built from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

REFERENCES = "eval/references"
NTREX = "eval/data/ntrex-128/documents.jsonl"
NUSAX = "eval/data/nusax-mt"
SEEDS = "seeds"


def resource(name: str) -> Traversable:
    """The shipped file or folder ``name`` (``PACKAGE/PATH``, as the constants above)."""
    package, _, inside = name.partition("/")
    root = resources.files(package)
    return root.joinpath(*inside.split("/")) if inside else root


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


def _jsonl(path: Traversable) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def ntrex_documents(path: Traversable | None = None) -> list[TranslationDoc]:
    return [TranslationDoc(str(d["doc_id"]), tuple(d["id"]), tuple(d["en"]))  # type: ignore[arg-type]
            for d in _jsonl(path or resource(NTREX))]


def nusax(split: str = "test", root: Traversable | None = None) -> TranslationDoc:
    rows = _jsonl((root or resource(NUSAX)) / f"{split}.jsonl")
    return TranslationDoc(f"nusax-{split}", tuple(str(r["id"]) for r in rows),
                          tuple(str(r["en"]) for r in rows))


def seed_article(path: str) -> Traversable:
    """A seed named by its path in the checkout (``seeds/NAME.txt``)."""
    from service.seeds import article

    folder, _, name = path.rpartition("/")
    if folder != SEEDS or not name:
        raise ValueError(f"{path!r}: a seed is named {SEEDS}/NAME.txt")
    return article(name)


def _json_files(folder: Traversable) -> list[Traversable]:
    return [p for p in folder.iterdir() if p.name.endswith(".json") and p.is_file()]


def summary_set(references: Traversable | None = None,
                ntrex_path: Traversable | None = None) -> list[SummaryDoc]:
    """Every article with reference digests, in a stable order (seeds first). A seed
    reference names its article as ``{"kind": "seed", "path": "seeds/NAME.txt"}``."""
    ntrex_path = ntrex_path or resource(NTREX)
    ntrex = {d.doc_id: d for d in ntrex_documents(ntrex_path)} if ntrex_path.is_file() else {}
    docs = []
    for path in sorted(_json_files(references or resource(REFERENCES)),
                       key=lambda p: (not p.name.startswith("seed"), p.name)):
        data = json.loads(path.read_text(encoding="utf-8"))
        src = data["source"]
        english = None
        if src["kind"] == "seed":
            text = seed_article(src["path"]).read_text(encoding="utf-8")
        elif src["kind"] == "ntrex":
            # One line per paragraph: the first line is the headline.
            text = "\n\n".join(ntrex[src["doc_id"]].source)
            english = "\n\n".join(ntrex[src["doc_id"]].reference)
        else:
            raise ValueError(f"{path}: unknown source kind {src['kind']!r}")
        refs = tuple(d["text"] for d in data["digests"])
        docs.append(SummaryDoc(data["doc_id"], text, refs, english))
    return docs


def fingerprint(files: Mapping[str, Traversable]) -> str:
    """sha256 over the files that make up the evaluation set (names and bytes)."""
    digest = hashlib.sha256()
    for name, path in sorted(files.items()):
        # Length-prefixed, so no two different file sets can hash alike.
        for part in (name.encode(), path.read_bytes()):
            digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def eval_set_files() -> dict[str, Traversable]:
    """The files of the evaluation set, by name (see the module's docstring)."""
    from service.seeds import articles

    files = {f"{REFERENCES}/{p.name}": p for p in _json_files(resource(REFERENCES))}
    files |= {f"{SEEDS}/{p.name}": p for p in articles()}
    for name in (NTREX, f"{NUSAX}/test.jsonl"):
        if resource(name).is_file():
            files[name] = resource(name)
    return files
