"""service.prompts: the repo's prompt files, rendering, and loud failures with error codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.contract.errors import error_of
from service.errors import RingkasError
from service.prompts import Prompt, PromptError, PromptRegistry, default_prompts_dir

REPO = Path(__file__).resolve().parent.parent

GOOD = '''name = "demo"
version = 1
description = "a demo prompt"
variables = ["article", "sentences"]
template = """{article}

Summarise in {sentences} sentences."""
'''


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def _prompt_file(name: str = "demo", version: object = 1,
                 variables: str = '["article"]', template: str = "{article}") -> str:
    return (f'name = "{name}"\nversion = {version}\nvariables = {variables}\n'
            f'template = """{template}"""\n')


@pytest.fixture(scope="module")
def registry() -> PromptRegistry:
    return PromptRegistry.from_dir()


# --- the shipped prompts (prompts/) -------------------------------------------------------


def test_a_checkout_reads_the_top_level_prompts() -> None:
    # The source of truth; a wheel carries a copy inside service/prompts (tests/test_wheel.py).
    assert default_prompts_dir() == REPO / "prompts"


def test_repo_prompts_load(registry: PromptRegistry) -> None:
    assert registry.names == ["summarize-en"]
    latest = registry.get("summarize-en")
    assert (latest.name, latest.version) == ("summarize-en", 2)
    assert latest is registry.get("summarize-en", 2)


@pytest.mark.parametrize("version", [1, 2])
def test_repo_prompt_versions(registry: PromptRegistry, version: int) -> None:
    prompt = registry.get("summarize-en", version)
    assert prompt.version == version
    assert prompt.name == "summarize-en"
    assert set(prompt.variables) == {"article", "sentences"}
    assert prompt.description


@pytest.mark.parametrize("version", [1, 2])
def test_repo_prompts_render(registry: PromptRegistry, version: int) -> None:
    article = "Kementerian Perindustrian mendorong sentra IKM alas kaki."
    out = registry.get("summarize-en", version).render(article=article, sentences=3)
    assert article in out
    assert "3 sentences" in out
    assert "{" not in out and "}" not in out


def test_v1_renders_exactly(registry: PromptRegistry) -> None:
    out = registry.get("summarize-en", 1).render(article="ARTICLE", sentences=2)
    assert out == ("Summarize the following Indonesian news article in English, in 2 sentences. "
                   "Keep every number and name exactly as in the article.\n\n"
                   "Article: ARTICLE\n\nEnglish summary:")


def test_v2_puts_article_first(registry: PromptRegistry) -> None:
    out = registry.get("summarize-en", 2).render(article="ARTICLE", sentences=4)
    assert out == "ARTICLE\n\nWrite a summary of the article above in English in 4 sentences."


def test_render_keeps_braces_in_values(registry: PromptRegistry) -> None:
    """Values are substituted once: braces in an article are text, not placeholders."""
    out = registry.get("summarize-en").render(article="a {sentences} b {0} {}", sentences=1)
    assert out.startswith("a {sentences} b {0} {}\n\n")


def test_ref_and_to_json(registry: PromptRegistry) -> None:
    prompt = registry.get("summarize-en")
    assert prompt.ref == "summarize-en@v2"
    assert registry.get("summarize-en", 1).ref == "summarize-en@v1"
    assert prompt.to_json() == {"name": "summarize-en", "version": 2}


# --- lookup and render errors --------------------------------------------------------------


@pytest.mark.parametrize(("name", "version"), [
    ("nope", None),
    ("nope", 1),
    ("summarize-en", 3),
    ("summarize-en", 0),
])
def test_unknown_prompt(registry: PromptRegistry, name: str, version: int | None) -> None:
    with pytest.raises(PromptError) as exc:
        registry.get(name, version)
    assert exc.value.code == "unknown_prompt"
    assert name in exc.value.message


@pytest.mark.parametrize("values", [
    {"article": "x"},  # missing sentences
    {"sentences": 3},  # missing article
    {},
    {"article": "x", "sentences": 3, "extra": 1},  # unknown variable
    {"article": "x", "sentence": 3},  # a typo is both missing and unknown
])
def test_render_variable_errors(registry: PromptRegistry, values: dict[str, object]) -> None:
    with pytest.raises(PromptError) as exc:
        registry.get("summarize-en").render(**values)
    assert exc.value.code == "prompt_variables"
    assert "summarize-en@v2" in exc.value.message


def test_prompt_error_is_a_ringkas_error() -> None:
    err = PromptError("x", code="prompt_file")
    assert isinstance(err, RingkasError)
    assert err.status == 422
    assert error_of(err) == {"code": "prompt_file", "message": "x"}


# --- prompt files from a directory ---------------------------------------------------------


def test_from_dir_loads_tmp_files(tmp_path: Path) -> None:
    _write(tmp_path, "demo.v1.toml", GOOD)
    _write(tmp_path, "demo.v3.toml", _prompt_file(version=3))
    _write(tmp_path, "other.v1.toml", _prompt_file(name="other"))
    _write(tmp_path, "notes.txt", "not a prompt")  # only *.toml are read
    reg = PromptRegistry.from_dir(tmp_path)
    assert reg.names == ["demo", "other"]
    assert reg.get("demo").version == 3
    first = reg.get("demo", 1)
    assert first == Prompt("demo", 1, ("article", "sentences"),
                           "{article}\n\nSummarise in {sentences} sentences.", "a demo prompt")
    assert first.render(article="A", sentences=2) == "A\n\nSummarise in 2 sentences."


def test_missing_dir_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError) as exc:
        PromptRegistry.from_dir(tmp_path / "nope")
    assert exc.value.code == "prompt_dir"
    assert str(tmp_path / "nope") in exc.value.message


def test_empty_dir_has_no_prompts(tmp_path: Path) -> None:
    reg = PromptRegistry.from_dir(tmp_path)
    assert reg.names == []
    with pytest.raises(PromptError) as exc:
        reg.get("summarize-en")
    assert exc.value.code == "unknown_prompt"


@pytest.mark.parametrize("text", [
    pytest.param(_prompt_file(template="{article} {sentences}"), id="placeholder-not-declared"),
    pytest.param(_prompt_file(variables='["article", "sentences"]'), id="variable-not-used"),
    pytest.param(_prompt_file(variables='["article"]', template="{artikel}"), id="renamed"),
    pytest.param(_prompt_file(template="{article} {0}"), id="positional-index"),
    pytest.param(_prompt_file(template="{article.upper}"), id="attribute"),
    pytest.param(_prompt_file(variables="[]", template="{article}"), id="no-variables"),
])
def test_placeholders_must_match_variables(tmp_path: Path, text: str) -> None:
    _write(tmp_path, "bad.toml", text)
    with pytest.raises(PromptError) as exc:
        PromptRegistry.from_dir(tmp_path)
    assert exc.value.code == "prompt_file"
    assert "bad.toml" in exc.value.message


def test_auto_numbered_placeholder_is_rejected(tmp_path: Path) -> None:
    _write(tmp_path, "bad.toml", _prompt_file(template="{article} {}"))
    with pytest.raises(PromptError) as exc:
        PromptRegistry.from_dir(tmp_path)
    assert exc.value.code == "prompt_file"


@pytest.mark.parametrize("text", [
    pytest.param('version = 1\nvariables = []\ntemplate = "x"\n', id="no-name"),
    pytest.param('name = "demo"\nvariables = []\ntemplate = "x"\n', id="no-version"),
    pytest.param('name = "demo"\nversion = 1\ntemplate = "x"\n', id="no-variables"),
    pytest.param('name = "demo"\nversion = 1\nvariables = []\n', id="no-template"),
    pytest.param(_prompt_file(version='"two"'), id="version-not-a-number"),
    pytest.param(_prompt_file(variables="3"), id="variables-not-a-list"),
    pytest.param('name = "demo"\nversion = 1\nvariables = [\n', id="bad-toml"),
    pytest.param('name = "demo" version = 1', id="bad-toml-line"),
    pytest.param("", id="empty-file"),
])
def test_invalid_prompt_file(tmp_path: Path, text: str) -> None:
    _write(tmp_path, "bad.toml", text)
    with pytest.raises(PromptError) as exc:
        PromptRegistry.from_dir(tmp_path)
    assert exc.value.code == "prompt_file"
    assert "bad.toml" in exc.value.message


def test_one_bad_file_fails_the_whole_registry(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", GOOD)
    _write(tmp_path, "b.toml", "not = [valid")
    with pytest.raises(PromptError) as exc:
        PromptRegistry.from_dir(tmp_path)
    assert exc.value.code == "prompt_file"


def test_duplicate_name_and_version(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", GOOD)
    _write(tmp_path, "b.toml", _prompt_file(name="demo", version=1))
    with pytest.raises(PromptError) as exc:
        PromptRegistry.from_dir(tmp_path)
    assert exc.value.code == "prompt_duplicate"
    assert "demo@v1" in exc.value.message


def test_same_version_different_names_is_fine(tmp_path: Path) -> None:
    _write(tmp_path, "a.toml", _prompt_file(name="one"))
    _write(tmp_path, "b.toml", _prompt_file(name="two"))
    assert PromptRegistry.from_dir(tmp_path).names == ["one", "two"]


def test_duplicate_in_constructor() -> None:
    p = Prompt("demo", 1, ("article",), "{article}")
    with pytest.raises(PromptError) as exc:
        PromptRegistry([p, Prompt("demo", 1, ("article",), "other {article}")])
    assert exc.value.code == "prompt_duplicate"
