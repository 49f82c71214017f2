"""eval.dataset and the data on disk: counts, licences, reference digests, fingerprint."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import pytest

from eval.dataset import (
    NTREX,
    NUSAX,
    REFERENCES,
    SEEDS,
    SummaryDoc,
    eval_set_files,
    fingerprint,
    ntrex_documents,
    nusax,
    resource,
    seed_article,
    summary_set,
)
from service.text.segment import split_sentences

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "eval" / "data"
SEED = REPO / "seeds" / "000_d67792ced336d87c.txt"
DIGITS = re.compile(r"\d+")


def _raw_ntrex() -> list[dict[str, Any]]:
    lines = (REPO / NTREX).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


@pytest.fixture(scope="module")
def raw_ntrex() -> list[dict[str, Any]]:
    return _raw_ntrex()


@pytest.fixture(scope="module")
def english() -> dict[str, str]:
    """NTREX document id -> its ORIGINAL English lines (what the digests were written from)."""
    return {str(d["doc_id"]): "\n".join(d["en"]) for d in _raw_ntrex()}


@pytest.fixture(scope="module")
def docs() -> list[SummaryDoc]:
    return summary_set()


def _reference_files() -> list[Path]:
    return sorted((REPO / REFERENCES).glob("*.json"))


# --- paths -----------------------------------------------------------------------------------


def test_names_are_paths_in_the_checkout() -> None:
    assert REPO / REFERENCES == REPO / "eval" / "references"
    assert REPO / NTREX == DATA / "ntrex-128" / "documents.jsonl"
    assert REPO / NUSAX == DATA / "nusax-mt"
    assert SEED.parent == REPO / SEEDS
    assert seed_article(f"{SEEDS}/{SEED.name}") == SEED
    for name in (REFERENCES, NTREX, NUSAX, "eval"):
        assert resource(name) == REPO / name  # package data, found through the package
    with pytest.raises(ValueError):
        seed_article("service/seeds/" + SEED.name)


# --- NTREX-128 -------------------------------------------------------------------------------


def test_ntrex_file_counts(raw_ntrex: list[dict[str, Any]]) -> None:
    assert len(raw_ntrex) == 123
    assert len({d["doc_id"] for d in raw_ntrex}) == 123
    assert sum(len(d["id"]) for d in raw_ntrex) == 1997
    assert sum(len(d["en"]) for d in raw_ntrex) == 1997
    for d in raw_ntrex:
        assert set(d) == {"doc_id", "id", "en"}
        assert len(d["id"]) == len(d["en"]) > 0, d["doc_id"]
        assert all(isinstance(s, str) and "\r" not in s for s in d["id"]), d["doc_id"]
        assert all(isinstance(s, str) and "\r" not in s for s in d["en"]), d["doc_id"]


def test_ntrex_documents_returns_the_file(raw_ntrex: list[dict[str, Any]]) -> None:
    loaded = ntrex_documents()
    assert len(loaded) == 123
    assert sum(len(d.source) for d in loaded) == 1997
    for doc, raw in zip(loaded, raw_ntrex, strict=True):
        assert doc.doc_id == raw["doc_id"]
        assert doc.source == tuple(raw["id"])
        assert doc.reference == tuple(raw["en"])
        assert len(doc.source) == len(doc.reference)


def test_ntrex_documents_reads_a_given_path(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"doc_id": "x.1", "id": ["Halo."], "en": ["Hello."]}) + "\n\n",
                    encoding="utf-8")
    [doc] = ntrex_documents(path)
    assert (doc.doc_id, doc.source, doc.reference) == ("x.1", ("Halo.",), ("Hello.",))


# --- NusaX-MT --------------------------------------------------------------------------------


@pytest.mark.parametrize(("split", "rows"), [("test", 400), ("valid", 100)])
def test_nusax_rows(split: str, rows: int) -> None:
    doc = nusax(split)
    assert doc.doc_id == f"nusax-{split}"
    assert len(doc.source) == len(doc.reference) == rows
    assert all(s.strip() for s in doc.source)
    assert all(s.strip() for s in doc.reference)
    raw = [json.loads(line) for line in
           (REPO / NUSAX / f"{split}.jsonl").read_text(encoding="utf-8").splitlines() if line]
    assert [r["row"] for r in raw] == list(range(rows))
    assert doc.source == tuple(r["id"] for r in raw)
    assert doc.reference == tuple(r["en"] for r in raw)


def test_nusax_unknown_split() -> None:
    with pytest.raises(FileNotFoundError):
        nusax("train")


# --- licences and READMEs --------------------------------------------------------------------


@pytest.mark.parametrize(("folder", "licence"), [
    ("ntrex-128", "LICENSE.md"),
    ("nusax-mt", "LICENSE"),
])
def test_licence_next_to_data(folder: str, licence: str) -> None:
    path = DATA / folder / licence
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    assert "Attribution-ShareAlike 4.0" in text
    readme = (DATA / folder / "README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in readme
    assert licence in readme
    assert (DATA / folder / "upstream-README.md").is_file()


def test_ntrex_readme_says_indonesian_is_translated_from_english() -> None:
    readme = (DATA / "ntrex-128" / "README.md").read_text(encoding="utf-8")
    flat = " ".join(readme.split())
    assert "English -> Indonesian" in flat
    assert "the Indonesian lines are human translations" in flat
    assert "translationese" in flat
    assert "123 documents" in flat and "1,997 lines" in flat


def test_nusax_readme_states_row_counts() -> None:
    readme = (DATA / "nusax-mt" / "README.md").read_text(encoding="utf-8")
    assert "400 rows" in readme and "100 rows" in readme


def test_references_readme_names_licence() -> None:
    readme = (REPO / REFERENCES / "README.md").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in readme
    for path in _reference_files():
        assert f"`{path.name}`" in readme, path.name


# --- summary set -----------------------------------------------------------------------------


def test_summary_set_seed_first(docs: list[SummaryDoc]) -> None:
    assert len(docs) >= 11
    assert len(docs) == len(_reference_files())
    assert docs[0].doc_id == "seed-000_d67792ced336d87c"
    assert docs[0].source == SEED.read_text(encoding="utf-8")
    assert [d.doc_id.startswith("seed") for d in docs] == \
        [True] * sum(d.doc_id.startswith("seed") for d in docs) + \
        [False] * sum(not d.doc_id.startswith("seed") for d in docs)
    assert len({d.doc_id for d in docs}) == len(docs)


def test_summary_set_order_is_stable(docs: list[SummaryDoc]) -> None:
    assert summary_set() == docs


def test_ntrex_summary_sources_are_indonesian(docs: list[SummaryDoc]) -> None:
    ntrex = {d.doc_id: d for d in ntrex_documents()}
    for doc in docs[1:]:
        assert doc.source == "\n\n".join(ntrex[doc.doc_id].source), doc.doc_id
        assert doc.source != "\n\n".join(ntrex[doc.doc_id].reference)


def _sentences(text: str) -> int:
    return len(split_sentences(text, "en"))


def test_every_document_has_brief_and_standard(docs: list[SummaryDoc]) -> None:
    for doc in docs:
        assert len(doc.references) == 2, doc.doc_id
        brief, standard = doc.references
        assert 1 <= _sentences(brief) <= 2, (doc.doc_id, brief)
        assert 3 <= _sentences(standard) <= 5, (doc.doc_id, standard)
        assert brief not in standard  # written separately, not a truncation


@pytest.mark.parametrize("path", _reference_files(), ids=lambda p: p.stem)
def test_reference_file_fields(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["language"] == "en"
    assert [d["name"] for d in data["digests"]] == ["brief", "standard"]
    for digest in data["digests"]:
        assert digest["sentences"] == _sentences(digest["text"]), (path.name, digest["name"])
    if data["source"]["kind"] == "ntrex":
        assert data["doc_id"] == data["source"]["doc_id"]
        assert path.name == f"ntrex-{data['doc_id']}.json"
        assert "CC BY-SA 4.0" in data["licence"]
    else:
        assert data["source"]["kind"] == "seed"
        assert data["source"]["path"].startswith(f"{SEEDS}/")
        assert (REPO / data["source"]["path"]).is_file()


def test_reference_numbers_appear_in_source(docs: list[SummaryDoc],
                                            english: dict[str, str]) -> None:
    """Every digit run in a digest is a digit run of the text it was written from (the
    Indonesian article for the seed, the original English lines for NTREX)."""
    checked = 0
    for doc in docs:
        source = doc.source if doc.doc_id.startswith("seed") else english[doc.doc_id]
        source_numbers = set(DIGITS.findall(source))
        for ref in doc.references:
            for number in DIGITS.findall(ref):
                assert number in source_numbers, (doc.doc_id, number)
                checked += 1
    assert checked > 50  # the check is not vacuous


def test_seed_digest_amount() -> None:
    seed = summary_set()[0]
    assert "Rp18 triliun" in seed.source
    assert any("IDR 18 trillion" in r for r in seed.references)


def test_summary_set_rejects_unknown_source_kind(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text(json.dumps(
        {"doc_id": "x", "source": {"kind": "web"}, "digests": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown source kind"):
        summary_set(references=tmp_path)


# --- fingerprint -----------------------------------------------------------------------------


def _copy_tree(files: Mapping[str, Traversable], root: Path) -> dict[str, Path]:
    out = {}
    for name, path in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        out[name] = target
    return out


def test_eval_set_files() -> None:
    files = eval_set_files()
    assert {f"{REFERENCES}/{p.name}" for p in _reference_files()} <= set(files)
    assert {f"{SEEDS}/{SEED.name}", NTREX, f"{NUSAX}/test.jsonl"} <= set(files)
    for name, path in files.items():
        assert path == REPO / name and path.is_file(), name


def test_fingerprint_is_stable(tmp_path: Path) -> None:
    files = eval_set_files()
    real = fingerprint(files)
    assert re.fullmatch(r"[0-9a-f]{64}", real)
    assert fingerprint(files) == real
    assert fingerprint(dict(reversed(files.items()))) == real  # order does not matter

    # Same names and bytes elsewhere (another checkout, site-packages): same fingerprint.
    assert fingerprint(_copy_tree(files, tmp_path)) == real


def test_fingerprint_changes_with_one_byte(tmp_path: Path) -> None:
    copies = _copy_tree(eval_set_files(), tmp_path)
    before = fingerprint(copies)
    target = copies[f"{REFERENCES}/seed-000_d67792ced336d87c.json"]
    data = bytearray(target.read_bytes())
    index = data.index(b"18 trillion")
    data[index] = ord("2")
    target.write_bytes(bytes(data))
    after = fingerprint(copies)
    assert after != before
    data[index] = ord("1")
    target.write_bytes(bytes(data))
    assert fingerprint(copies) == before


def test_fingerprint_covers_names(tmp_path: Path) -> None:
    a = tmp_path / "a.txt"
    a.write_bytes(b"same")
    assert fingerprint({"a.txt": a}) != fingerprint({"b.txt": a})
