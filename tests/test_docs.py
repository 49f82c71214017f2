"""README.md stays short, and every relative link in it and in docs/ leads somewhere: an
existing file and, for `#anchor` links, an existing heading of that file."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.conftest import REPO

README = REPO / "README.md"
PAGES = [README, *sorted((REPO / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
# [text](target) and ![alt](target); the text may itself hold an image or code.
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$", re.M)


def _prose(text: str) -> str:
    """The text without fenced code blocks (a `# comment` there is not a heading)."""
    return FENCE.sub("", text)


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: its text lowercased, punctuation but '-' and '_' dropped,
    spaces made '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"<[^>]+>", "", text).lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for match in HEADING.finditer(_prose(path.read_text(encoding="utf-8"))):
        base = anchor(match.group(2))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(path: Path) -> list[str]:
    prose = CODE_SPAN.sub("", _prose(path.read_text(encoding="utf-8")))
    return LINK.findall(prose)


def test_anchor_rules() -> None:
    assert anchor("Fast CPU inference: CTranslate2, batching, threads") == \
        "fast-cpu-inference-ctranslate2-batching-threads"
    assert anchor("`ringkas batch`") == "ringkas-batch"
    assert anchor("Embedded (default): SQLite in the data dir") == \
        "embedded-default-sqlite-in-the-data-dir"
    assert anchor("API keys") == "api-keys"


def test_readme_is_at_most_200_lines() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, len(lines)


def test_the_link_checker_sees_links() -> None:
    found = links(README)
    assert "docs/web-page.png" in found and "LICENSE" in found
    assert "docs/configuration.md#server-threads" in found


def broken_links(page: Path) -> list[str]:
    """Each relative link of the page whose file or heading does not exist."""
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # http:, https:, mailto:
            continue
        path_part, _, fragment = target.partition("#")
        dest = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
            continue
        if fragment:
            if dest.suffix != ".md":
                broken.append(f"{target}: an anchor into a file that is not Markdown")
            elif unquote(fragment) not in anchors(dest):
                broken.append(f"{target}: no heading #{fragment} in {dest.name}")
    return broken


def test_the_link_checker_finds_broken_links(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## Jobs, batches and workers\n")
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n[ok](other.md#jobs-batches-and-workers) [ok](#page) "
                    "[web](https://example.org/x) `[code](nowhere.md)`\n"
                    "[gone](missing.md) [bad](other.md#jobs) [self](#nope) ![img](x.png)\n"
                    "```sh\n# not a heading\n[in code](nowhere.md)\n```\n")
    assert broken_links(page) == ["missing.md: no such file",
                                  "other.md#jobs: no heading #jobs in other.md",
                                  "#nope: no heading #nope in page.md",
                                  "x.png: no such file"]
    assert "not-a-heading" not in anchors(page)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page: Path) -> None:
    assert not broken_links(page)


def test_readme_leads_to_the_docs_and_the_licences() -> None:
    found = set(links(README))
    for page in sorted((REPO / "docs").glob("*.md")):
        rel = page.relative_to(REPO).as_posix()
        assert any(t.split("#")[0] == rel for t in found), f"README does not link {rel}"
    text = README.read_text(encoding="utf-8")
    assert "Apache License 2.0" in text and "LICENSE" in found
    assert (REPO / "LICENSE").is_file()
    # The data licences stay findable from the README.
    assert "CC BY-SA 4.0" in text
    for licence in ("eval/data/ntrex-128/LICENSE.md", "eval/data/nusax-mt/LICENSE"):
        assert licence in found and (REPO / licence).is_file(), licence


def test_web_page_screenshot_is_small() -> None:
    shot = REPO / "docs" / "web-page.png"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 10_000 < shot.stat().st_size < 300_000
