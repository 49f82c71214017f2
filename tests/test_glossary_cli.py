"""``ringkas translate/summarize --glossary/--term/--terms-file`` and ``ringkas glossaries``,
in-process with the stand-in models."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from service.cli.root import main

TEXT = "Kemenperin membina 14 perajin di Bogor."


def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, env=env)


def glossary_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "glossaries"
    folder.mkdir()
    (folder / "newsroom.id-en.tsv").write_text("Kemenperin\tMinistry of Industry\n",
                                               encoding="utf-8")
    return folder


def test_glossaries_lists_the_directory(tmp_path: Path) -> None:
    result = run("glossaries", env={"RINGKAS_GLOSSARY_DIR": str(glossary_dir(tmp_path)),
                                    "RINGKAS_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("newsroom\tid->en\t1 entries\tserver\t")


def test_translate_with_a_glossary_is_never_silent(tiny_dir: Path, tmp_path: Path) -> None:
    terms = tmp_path / "terms.csv"
    terms.write_text("Bogor,Bogor Regency\n", encoding="utf-8")
    result = run("translate", "-", "--models", str(tiny_dir), "--glossary", "newsroom",
                 "--term", "perajin=craftsmen", "--terms-file", str(terms), stdin=TEXT,
                 env={"RINGKAS_GLOSSARY_DIR": str(glossary_dir(tmp_path))})
    assert result.exit_code == 0, result.output
    for term, target in (("Kemenperin", "Ministry of Industry"), ("perajin", "craftsmen"),
                         ("Bogor", "Bogor Regency")):
        assert target in result.stdout or (
            "[glossary_not_applied]" in result.stderr and f"'{term}'" in result.stderr)


def test_an_unknown_glossary_is_an_error(tiny_dir: Path, tmp_path: Path) -> None:
    result = run("summarize", "-", "--models", str(tiny_dir), "--strategy", "extractive",
                 "--glossary", "nope", "--json", stdin=TEXT,
                 env={"RINGKAS_GLOSSARY_DIR": str(glossary_dir(tmp_path))})
    assert result.exit_code != 0
    assert "glossary_not_found" in result.output


def test_summarize_with_inline_terms(tiny_dir: Path) -> None:
    result = run("summarize", "-", "--models", str(tiny_dir), "--strategy", "extractive",
                 "--length", "1", "--term", "Kemenperin=Ministry of Industry", "--json",
                 stdin=TEXT)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    applied = "Ministry of Industry" in out["summary"]["en"]
    named = any(w["code"] == "glossary_not_applied" for w in out["warnings"])
    assert applied != named


def test_a_bad_term_option(tiny_dir: Path) -> None:
    result = run("translate", "-", "--models", str(tiny_dir), "--term", "no-equals", stdin=TEXT)
    assert result.exit_code == 2
    assert "SOURCE=TARGET" in result.output


def test_a_term_with_undecodable_bytes_is_an_error(tiny_dir: Path, tmp_path: Path) -> None:
    """argv's undecodable bytes reach Python as lone surrogates (surrogateescape): the
    term is refused as invalid_encoding, not a crash."""
    result = run("translate", "-", "--models", str(tiny_dir), "--term", "kucing\udcff=cat",
                 stdin=TEXT, env={"RINGKAS_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2, (result.output, result.exception)
    assert "invalid_encoding" in result.output
