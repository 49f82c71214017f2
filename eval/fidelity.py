"""The fidelity check scored on planted errors: each document's correct digest, and the
same digest with one error planted (``eval/data/fidelity/planted.json``).

A correct digest should give no finding: each finding on it is a false alarm. A planted
variant is caught when its check has a finding the correct digest's did not (a claim not
supported, or a sentence nothing supports). Both are run twice: with the article's English
sentence by sentence (as the translate-first strategies give it), and without (``direct``,
``summarise-translate``). The check's cost is the CPU time of one digest's check, per
digest, with the article's sources built once per document as the pipeline does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from eval.dataset import TranslationDoc, ntrex_documents

PLANTED = "data/fidelity/planted.json"
VARIANTS = ("with English", "without English")
SIGNATURE = "ringkas planted fidelity errors v{version}|caught: a finding the clean digest lacks"


@dataclass(frozen=True)
class Planted:
    id: str
    kind: str
    text: str


@dataclass(frozen=True)
class PlantedDoc:
    doc_id: str
    digest: str
    planted: tuple[Planted, ...]


@dataclass(frozen=True)
class PlantedSet:
    version: int
    kinds: tuple[str, ...]
    documents: tuple[PlantedDoc, ...]


def load_planted() -> PlantedSet:
    data = json.loads(resources.files("eval").joinpath(PLANTED).read_text(encoding="utf-8"))
    docs = tuple(PlantedDoc(d["doc_id"], d["digest"],
                            tuple(Planted(p["id"], p["kind"], p["text"]) for p in d["planted"]))
                 for d in data["documents"])
    return PlantedSet(int(data["version"]), tuple(data["kinds"]), docs)


def findings(summary: str, sources: Any) -> set[tuple[str, ...]]:
    """What the check reports on ``summary``: one key per finding."""
    from service.fidelity import check_summary

    _, report = check_summary(summary, sources)
    keys = {("claim", c.kind, c.text, c.issue or "") for c in report.unsupported}
    return keys | {("sentence", u.text) for u in report.sentences}


@dataclass
class VariantScore:
    caught: dict[str, int]
    planted: dict[str, int]
    clean_digests: int = 0
    false_alarms: int = 0
    cpu_s: float = 0.0
    checks: int = 0
    missed: list[str] | None = None

    def to_run(self, variant: str, version: int) -> dict[str, Any]:
        signature = f"{SIGNATURE.format(version=version)}|{variant}"
        corpus: dict[str, Any] = {
            f"recall_{kind}": {"value": round(100 * self.caught[kind] / n, 2),
                               "higher_is_better": True, "signature": signature}
            for kind, n in self.planted.items() if n}
        total = sum(self.planted.values())
        corpus["recall_all"] = {"value": round(100 * sum(self.caught.values()) / total, 2),
                                "higher_is_better": True, "signature": signature}
        corpus["false_alarms_per_digest"] = {
            "value": round(self.false_alarms / self.clean_digests, 3),
            "higher_is_better": False, "signature": signature}
        return {
            "documents": self.clean_digests,
            "counts": {"planted": total, "caught": sum(self.caught.values()),
                       "false_alarms": self.false_alarms},
            "corpus": corpus,
            "cost_ms_per_check": round(1000 * self.cpu_s / max(1, self.checks), 2),
            "missed": list(self.missed or []),
            "errors": {},
        }


def score(planted: PlantedSet, docs: Sequence[TranslationDoc], english: bool) -> VariantScore:
    from service.fidelity import build_sources

    by_id = {d.doc_id: d for d in docs}
    result = VariantScore({k: 0 for k in planted.kinds}, {k: 0 for k in planted.kinds},
                          missed=[])
    for doc in planted.documents:
        article = by_id[doc.doc_id]
        sources = build_sources(list(article.source),
                                list(article.reference) if english else None)
        started = time.process_time()
        clean = findings(doc.digest, sources)
        result.cpu_s += time.process_time() - started
        result.checks += 1
        result.clean_digests += 1
        result.false_alarms += len(clean)
        for p in doc.planted:
            started = time.process_time()
            found = findings(p.text, sources)
            result.cpu_s += time.process_time() - started
            result.checks += 1
            result.planted[p.kind] += 1
            if found - clean:
                result.caught[p.kind] += 1
            else:
                assert result.missed is not None
                result.missed.append(p.id)
    return result


def evaluate(docs: Sequence[TranslationDoc] | None = None,
             limit: int = 0) -> dict[str, dict[str, Any]]:
    """One run per variant, named ``planted errors (with English)`` and so on; ``limit``
    keeps the first N documents of the planted set (0: all)."""
    planted = load_planted()
    if limit:
        planted = PlantedSet(planted.version, planted.kinds, planted.documents[:limit])
    docs = docs if docs is not None else ntrex_documents()
    return {f"planted errors ({variant})": score(planted, docs, variant == VARIANTS[0])
            .to_run(variant, planted.version) for variant in VARIANTS}
