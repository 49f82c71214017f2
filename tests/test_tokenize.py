"""The torch-free tokenisers of converted models give transformers' ids and texts, and a
process that serves only CTranslate2 models never imports torch."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from service.engine.convert import convert
from service.engine.tokenize import load_tokenizer
from service.models import LOCAL_REVISION, ROLES, ModelSpec

REPO = Path(__file__).resolve().parent.parent


def _lines() -> list[str]:
    seed = [ln.strip() for p in sorted((REPO / "seeds").glob("*.txt"))
            for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
    ntrex = [json.loads(row) for row in (REPO / "eval" / "data" / "ntrex-128" /
                                         "documents.jsonl").read_text(encoding="utf-8")
             .splitlines()[:15]]
    return seed + [s for doc in ntrex for side in ("id", "en") for s in doc[side]]


@pytest.fixture(scope="module")
def converted(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("ct2-int8")
    return {role: convert(ModelSpec(role, str(tiny_dir / role), LOCAL_REVISION), out / role)
            for role in ROLES}


@pytest.mark.parametrize("role", list(ROLES))
def test_ids_and_texts_equal_transformers(tiny_dir: Path, converted: dict[str, Path],
                                          role: str) -> None:
    ours, theirs = load_tokenizer(converted[role]), AutoTokenizer.from_pretrained(
        tiny_dir / role)
    lines = _lines()
    assert len(lines) > 300
    # Special tokens written in the text, a language prefix, empty and blank texts.
    lines += ["a </s> b", "x <unk> y<pad>z", "</s>", ">>ind<< Pabrik itu besar.", "", "  ",
              "Harga naik 5 %, kata-nya: \"mahal\"…"]
    pieces = ours.pieces(lines)
    assert [[ours.token_id(p) for p in row] for row in pieces] == theirs(
        lines, truncation=False)["input_ids"]
    # Decoding: the tokens of real text, and random id runs with special tokens among them.
    rng = random.Random(0)
    runs = [theirs(line, add_special_tokens=False)["input_ids"] for line in lines[:60]]
    runs += [[rng.randrange(len(theirs)) for _ in range(rng.randrange(1, 30))]
             for _ in range(100)]
    for ids in runs:
        tokens = theirs.convert_ids_to_tokens(ids)
        assert ours.decode(tokens) == theirs.decode(ids, skip_special_tokens=True).strip(), ids


@pytest.mark.parametrize("role", ["translate_id_en", "summarize", "summarize_id"])
def test_clean_up_spaces_as_transformers_does(tiny_dir: Path, converted: dict[str, Path],
                                              tmp_path: Path, role: str) -> None:
    """Directories saved by transformers 4 often say clean_up_tokenization_spaces: true."""
    source = shutil.copytree(tiny_dir / role, tmp_path / "source")
    ct2 = shutil.copytree(converted[role], tmp_path / "ct2")
    for path in (source, ct2):
        config_path = path / "tokenizer_config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["clean_up_tokenization_spaces"] = True
        config_path.write_text(json.dumps(config), encoding="utf-8")
    ours, theirs = load_tokenizer(ct2), AutoTokenizer.from_pretrained(source)
    for line in [*_lines()[:80], "Hello , world . It is n't , he 's ."]:
        ids = theirs(line, add_special_tokens=False)["input_ids"]
        assert ours.decode(theirs.convert_ids_to_tokens(ids)) == theirs.decode(
            ids, skip_special_tokens=True).strip(), line


def test_a_ctranslate2_service_never_imports_torch(converted: dict[str, Path],
                                                   tmp_path: Path) -> None:
    """create_app on CTranslate2 engines and a summary and a translation through it."""
    models = tmp_path / "models"
    models.mkdir()
    for role in ("translate_id_en", "translate_en_id", "summarize"):
        (models / role).symlink_to(converted[role])
    script = f"""
import sys
from service.api import create_app
from service.config import Settings
settings = Settings.from_env(env={{"RINGKAS_BACKEND": "ctranslate2",
                                  "RINGKAS_DATA_DIR": {str(tmp_path / "data")!r}}},
                             models_dir={str(models)!r})
client = create_app(settings).test_client()
summary = client.post("/v1/summarize", json={{"text": "Menteri Perindustrian hadir di Bogor. "
                      "Nilai investasi mencapai Rp18 triliun.", "languages": ["en", "id"]}})
assert summary.status_code == 200, summary.get_json()
translation = client.post("/v1/translate", json={{"text": "Pabrik itu besar.",
                          "source": "id", "target": "en"}})
assert translation.status_code == 200, translation.get_json()
print(sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "transformers")))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=REPO, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout[-2000:]
