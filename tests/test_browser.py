"""The web page at / in a real headless Chromium (Debian's, driven by Playwright) against a
live `ringkas serve` on the tiny models.

Screenshots go to $RINGKAS_TEST_ARTIFACTS (default tests/artifacts/, git-ignored); each
path is printed (pytest -s shows it; -ra lists it for skips).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import REPO, KeyedServer

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install -e '.[test]')")
CHROMIUM = os.environ.get("RINGKAS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (tests/setup/install-system-packages installs "
                "Debian's chromium)", allow_module_level=True)

# Offline and quiet: no downloads, no update checks, no sandbox (containers run as root).
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
RESULT_TIMEOUT_MS = 280_000  # under pytest-timeout (300 s); the server deadline is 270 s
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
LAPTOP = {"width": 1280, "height": 800}  # the fold the summary must stay above


def artifacts_dir() -> Path:
    out = Path(os.environ.get("RINGKAS_TEST_ARTIFACTS") or REPO / "tests" / "artifacts")
    out.mkdir(parents=True, exist_ok=True)
    return out


def screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    path = artifacts_dir() / name
    page.screenshot(path=str(path), full_page=full_page)
    print(f"screenshot: {path}")
    assert path.stat().st_size > 1000
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Page:
    """A fresh browser page that records console errors and uncaught exceptions."""

    def __init__(self, browser: Any, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))

    def open(self, base: str, status: str = "ready") -> Any:
        self.page.goto(base + "/")
        sync_api.expect(self.page.locator("#server-status")).to_have_text(status)
        return self.page

    def submit(self, path: str = "/v1/summarize") -> tuple[dict[str, Any], Answer]:
        """Click submit; the JSON request body the page sent and the answer it got. The
        request goes to the server from here and its whole answer back to the page: a
        browser keeps no copy of a streamed body for a test to read."""
        box: dict[str, Any] = {}

        def relay(route: Any) -> None:
            box["sent"] = json.loads(route.request.post_data or "null")
            fetched = route.fetch(timeout=RESULT_TIMEOUT_MS)
            box["answer"] = Answer(fetched.status, fetched.headers, fetched.text(),
                                   route.request.headers)
            route.fulfill(response=fetched)

        self.page.route(f"**{path}", relay)
        try:
            with self.page.expect_response(lambda r: r.url.endswith(path),
                                           timeout=RESULT_TIMEOUT_MS):
                self.page.click("#submit")
        finally:
            self.page.unroute(f"**{path}", relay)
        return box["sent"], box["answer"]

    def close(self) -> None:
        self.context.close()


@dataclass(frozen=True)
class Answer:
    """What the server answered the page: JSON, or a stream of events whose last one
    (result or error) is the answer."""

    status: int
    headers: dict[str, str]
    body: str
    request_headers: dict[str, str]  # what the page sent

    @property
    def streamed(self) -> bool:
        return self.headers.get("content-type", "").startswith("text/event-stream")

    def events(self) -> list[tuple[str, Any]]:
        out = []
        for block in self.body.split("\n\n"):
            fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
            if "event" in fields:
                out.append((fields["event"], json.loads(fields["data"])))
        return out

    def json(self) -> Any:
        return self.events()[-1][1] if self.streamed else json.loads(self.body)


@pytest.fixture()
def desktop(browser: Any) -> Iterator[Page]:
    p = Page(browser, DESKTOP)
    yield p
    p.close()


@pytest.fixture()
def laptop(browser: Any) -> Iterator[Page]:
    p = Page(browser, LAPTOP)
    yield p
    p.close()


@pytest.fixture()
def phone(browser: Any) -> Iterator[Page]:
    p = Page(browser, PHONE)
    yield p
    p.close()


def norm(text: str) -> str:
    return " ".join(text.split())


def text_of(page: Any, selector: str) -> str:
    """The element's text with whitespace runs collapsed (as a reader sees it)."""
    return norm(page.locator(selector).text_content() or "")


def test_summarise_the_seed_article(server: str, desktop: Page, seed_text: str) -> None:
    page = desktop.open(server)
    assert page.title().startswith("ringkas")
    # Keys are off on this server: no key control to wonder about.
    assert not page.locator("#key-box").is_visible()
    page.fill("#text", seed_text)  # what a paste leaves in the text area
    page.check('input[name="length"][value="short"]')
    page.check('input[name="languages"][value="id"]')
    sent, response = desktop.submit()
    assert sent == {"text": seed_text, "html": False, "length": "short", "languages": ["en", "id"],
                    "strategy": "translate-summarise", "translation": True,
                    "attribution": True}
    assert response.status == 200
    # The page asks for a streamed answer and reads its progress as it comes.
    assert response.streamed and [n for n, _ in response.events()][:2] == ["accepted",
                                                                            "segmented"]
    data = response.json()
    page.wait_for_selector("#result:not([hidden])")
    sync_api.expect(page.locator("#busy")).to_contain_text("Done in")

    # What the page shows is what the API answered.
    assert text_of(page, "#summary-en") == norm(data["summary"]["en"]) != ""
    assert text_of(page, "#summary-id") == norm(data["summary"]["id"]) != ""
    assert text_of(page, "#translation") == norm(data["translation"]) != ""
    # One card per warning code, with each of its messages.
    cards = page.locator("#warnings .warning")
    codes = Counter(w["code"] for w in data["warnings"])
    shown = [c.split()[0] for c in cards.all_inner_texts()]
    assert sorted(shown) == sorted(codes)
    assert shown[0] == "random_weights"  # the page puts it first
    for i, code in enumerate(shown):
        assert (cards.nth(i).locator("details li").count() or 1) == codes[code], code
    assert page.locator("#fidelity").is_visible()

    # Attribution: each summary sentence, marked when unsupported; selecting one highlights
    # its sources among the article's sentences (Indonesian, with English beside it).
    attribution = data["attribution"]
    assert page.locator("#attribution").is_visible()
    buttons = page.locator("#attribution-summary button")
    assert buttons.count() == len(attribution["summary_sentences"]) > 0
    assert page.locator("#attribution-sources li").count() == len(
        attribution["source_sentences"])
    assert page.locator("#attribution-summary button.unsupported").count() == sum(
        not s["supported"] for s in attribution["summary_sentences"])
    for k, sentence in enumerate(attribution["summary_sentences"]):
        buttons.nth(k).click()
        assert buttons.nth(k).get_attribute("aria-pressed") == "true"
        highlighted = page.locator("#attribution-sources li.supporting").evaluate_all(
            "rows => rows.map(r => Number(r.id.split('-')[1]))")
        assert sorted(highlighted) == sorted(s["index"] for s in sentence["sources"])
    assert page.locator("#attribution-sources .source-en").count() == len(
        attribution["source_sentences"])  # translate-summarise translated every sentence

    provenance = page.locator("#provenance")
    assert provenance.is_visible()
    roles = page.locator("#models .model-head code").all_inner_texts()
    assert roles == [m["role"] for m in data["models"]]
    assert {"translate_id_en", "summarize", "translate_en_id"} <= set(roles)
    models_text = page.locator("#models").inner_text()
    for m in data["models"]:
        assert m["id"] in models_text and m["architecture"] in models_text
    assert page.locator("#models .tag.danger").count() == len(data["models"])  # random weights
    stages = page.locator("#timings td:first-child").all_inner_texts()
    assert stages == list(data["timings_ms"]) and "total" in stages
    assert response.headers["x-request-id"] in page.locator("#provenance-facts").inner_text()

    assert page.locator("#error").is_hidden()
    assert page.input_value("#text") == seed_text
    screenshot(page, "web-summary-desktop.png")
    assert desktop.console_errors == [] and desktop.page_errors == []


def test_phone_screen_has_no_horizontal_scroll(server: str, phone: Page, seed_text: str) -> None:
    page = phone.open(server)
    page.fill("#text", seed_text)
    page.check('input[name="length"][value="short"]')
    page.check('input[name="languages"][value="id"]')
    _, response = phone.submit()
    assert response.status == 200
    page.wait_for_selector("#result:not([hidden])")
    # Long model ids, paths and unbroken noise tokens must wrap, not widen the page.
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == PHONE["width"], widths
    for selector in ("#text", "#submit", "#summary-en", "#provenance"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "web-summary-phone.png")
    assert phone.console_errors == [] and phone.page_errors == []


def test_upload_html_file(server: str, desktop: Page, seed_text: str) -> None:
    # The first paragraphs only: the seed article's full summary runs in the first test.
    paragraphs = "".join(f"<p>{p}</p>" for p in seed_text.split("\n")[:6] if p.strip())
    html = (f"<html><head><title>t</title><script>var tracking = 1;</script></head><body>"
            f"<nav><a href='/'>Beranda</a></nav><article>{paragraphs}</article></body></html>")
    page = desktop.open(server)
    page.set_input_files("#file", files=[{"name": "artikel.html", "mimeType": "text/html",
                                          "buffer": html.encode("utf-8")}])
    sync_api.expect(page.locator("#html")).to_be_checked()
    assert page.input_value("#text") == html
    sent, response = desktop.submit()
    assert sent["html"] is True and sent["text"] == html
    assert response.status == 200
    page.wait_for_selector("#result:not([hidden])")
    assert text_of(page, "#summary-en") == norm(response.json()["summary"]["en"]) != ""
    assert desktop.console_errors == [] and desktop.page_errors == []


def test_translate_mode(server: str, desktop: Page) -> None:
    page = desktop.open(server)
    page.check('input[name="mode"][value="translate"]')
    sync_api.expect(page.locator("#submit")).to_have_text("Translate")
    assert page.locator("#summarize-options").is_hidden()
    # An HTML file becomes plain text here: /v1/translate takes no markup.
    page.set_input_files("#file", files=[{
        "name": "a.html", "mimeType": "text/html",
        "buffer": b"<html><body><nav>Menu</nav><p>Satu.</p><script>x()</script>"
                  b"<p>Dua\n  kalimat.</p></body></html>"}])
    sync_api.expect(page.locator("#text")).to_have_value("Satu.\n\nDua kalimat.")
    assert not page.is_checked("#html")
    page.select_option("#direction", "en-id")
    page.fill("#text", "The minister opened a new factory in Bogor.")
    sent, response = desktop.submit("/v1/translate")
    assert sent == {"text": "The minister opened a new factory in Bogor.", "source": "en",
                    "target": "id"}
    assert response.status == 200
    page.wait_for_selector("#result:not([hidden])")
    assert text_of(page, "#translation") == norm(response.json()["translation"])
    assert page.locator("#models .model-head code").all_inner_texts() == ["translate_en_id"]
    screenshot(page, "web-translate.png")
    assert desktop.console_errors == [] and desktop.page_errors == []


def test_api_error_is_shown_and_the_text_kept(server: str, desktop: Page) -> None:
    page = desktop.open(server)
    blank = "   \n\t  \n"
    page.fill("#text", blank)
    _, response = desktop.submit()
    assert response.status == 422
    sync_api.expect(page.locator("#error")).to_be_visible()
    assert text_of(page, "#error-code") == "empty_text (HTTP 422)"
    assert text_of(page, "#error-message") == norm(response.json()["error"]["message"])
    assert response.json()["error"]["request_id"] in text_of(page, "#error-extra")
    assert page.locator("#result").is_hidden()
    assert page.input_value("#text") == blank
    screenshot(page, "web-error.png")
    # Chromium logs the 422 itself as a failed resource; nothing else may be an error.
    assert all("422" in e for e in desktop.console_errors), desktop.console_errors
    assert desktop.page_errors == []


def test_no_language_is_refused_in_the_page(server: str, desktop: Page, seed_text: str) -> None:
    page = desktop.open(server)
    page.fill("#text", seed_text)
    page.uncheck('input[name="languages"][value="en"]')
    requests_sent: list[str] = []
    page.on("request", lambda r: requests_sent.append(r.url))
    page.click("#submit")
    sync_api.expect(page.locator("#error-code")).to_have_text("no_language")
    assert not any("/v1/summarize" in u for u in requests_sent)
    assert page.input_value("#text") == seed_text


def test_server_strings_are_rendered_as_text(server: str, desktop: Page) -> None:
    """Markup in an API answer (a model can emit anything) must show as text, not run. The
    answer is replaced in the browser because the tiny models cannot be made to emit it."""
    evil = '<img src=x onerror="document.title=\'owned\'"><script>document.title="owned"</script>'
    real = requests.post(f"{server}/v1/translate", timeout=120,
                         json={"text": "Pabrik baru.", "source": "id", "target": "en"}).json()
    answer = {**real, "translation": evil,
              "warnings": [{"code": "<b>x</b>", "message": evil}],
              "models": [{**real["models"][0], "id": evil}]}
    page = desktop.open(server)
    page.route("**/v1/translate", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(answer)))
    page.check('input[name="mode"][value="translate"]')
    page.fill("#text", "Pabrik baru.")
    page.click("#submit")
    page.wait_for_selector("#result:not([hidden])")
    assert text_of(page, "#translation") == norm(evil)
    assert evil in page.locator("#warnings").inner_text()
    assert evil in page.locator("#models").inner_text()
    assert page.locator("#result img, #result script, #result b").count() == 0
    assert page.title().startswith("ringkas")
    assert desktop.page_errors == []


@pytest.fixture(scope="module")
def web_key(keyed_server: KeyedServer) -> tuple[str, str]:
    """(the keyed server's url, a key of its own for the page)."""
    return keyed_server.base, keyed_server.add_key("web page")[1]


def test_page_asks_for_the_api_key(web_key: tuple[str, str], desktop: Page) -> None:
    base, key = web_key
    for asset in ("/", "/web/app.js", "/web/style.css", "/web/icon.svg"):
        assert requests.get(base + asset, timeout=10).status_code == 200, asset
    page = desktop.open(base, status="API key needed")
    assert page.locator("#key-box").is_visible()
    assert page.locator("#key-box").get_attribute("open") is not None
    page.check('input[name="mode"][value="translate"]')
    page.fill("#text", "Pabrik baru di Bogor.")
    _, response = desktop.submit("/v1/translate")
    assert response.status == 401
    sync_api.expect(page.locator("#error-code")).to_have_text("missing_api_key (HTTP 401)")
    page.fill("#api-key", key)
    page.dispatch_event("#api-key", "change")
    sync_api.expect(page.locator("#server-status")).to_have_text("ready")
    _, response = desktop.submit("/v1/translate")
    assert response.status == 200
    assert response.request_headers["authorization"] == f"Bearer {key}"
    page.wait_for_selector("#result:not([hidden])")
    assert page.locator("#error").is_hidden()
    assert page.input_value("#text") == "Pabrik baru di Bogor."


# --- answers replaced in the browser: layouts the tiny models cannot be made to produce -----

@pytest.fixture(scope="module")
def real_summary(server: str, seed_text: str) -> dict[str, Any]:
    """A real /v1/summarize answer (tiny models) that the tests below change parts of."""
    text = "\n".join(seed_text.split("\n")[:6])
    response = requests.post(f"{server}/v1/summarize", timeout=RESULT_TIMEOUT_MS / 1000, json={
        "text": text, "length": "short", "languages": ["en"], "translation": True,
        "attribution": True})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def answer_with(page: Any, answer: dict[str, Any], delay_s: list[float] | None = None,
                path: str = "**/v1/summarize") -> None:
    """Every request to ``path`` gets ``answer``, after ``delay_s[0]`` seconds if given (a
    list, so a test can change the delay between requests)."""
    def fulfil(route: Any) -> None:
        if delay_s:
            time.sleep(delay_s[0])
        route.fulfill(status=200, content_type="application/json", body=json.dumps(answer),
                      headers={"X-Request-ID": "routed-answer"})
    page.route(path, fulfil)


def submit_routed(page: Any) -> None:
    page.fill("#text", "Pabrik baru di Bogor.")
    page.click("#submit")
    page.wait_for_selector("#result:not([hidden])")
    sync_api.expect(page.locator("#busy")).to_contain_text("Done in")


def long_attribution(summary_count: int, source_count: int) -> dict[str, Any]:
    """Attribution with sentences long enough to wrap over several lines."""
    return {
        "source_sentences": [
            f"Kalimat {i}: Kementerian Perindustrian mendorong industri kecil dan menengah di "
            "Jawa Barat agar memperluas pasar ekspor melalui kemitraan dengan pemasok lokal."
            for i in range(source_count)],
        "source_sentences_en": [
            f"Sentence {i}: the Ministry of Industry urged small and medium industries in West "
            "Java to widen their export markets through partnerships with local suppliers."
            for i in range(source_count)],
        "summary_sentences": [{
            "text": f"Summary sentence {k + 1}: the ministry says the programme will reach "
                    f"{k + 3} provinces this year, and that small firms in each of them will "
                    "get training, credit and help with certification before they export.",
            "sources": [{"index": (k * 10) % source_count, "score": 0.8},
                        {"index": source_count - 1 - k, "score": 0.5}],
            "supported": k % 4 != 3} for k in range(summary_count)],
    }


# Per item of a list: its number element (li > .num) and the line boxes of the item's first
# text after it (Range rects: one per line), in viewport coordinates.
LIST_LINES_JS = """(ol) => [...ol.children].map((li) => {
  const num = li.querySelector(':scope > .num');
  if (!num) return { missing: li.textContent.slice(0, 60) };
  const lines = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return [...range.getClientRects()].filter((r) => r.width > 0);
  };
  const walker = document.createTreeWalker(li, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => !num.contains(n) && n.data.trim()
      ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP });
  const text = lines(walker.nextNode());
  const number = lines(num)[0];
  return { number: num.textContent, numberTop: number.top, numberBottom: number.bottom,
           firstTop: text[0].top, firstBottom: text[0].bottom,
           lastTop: text[text.length - 1].top, lines: text.length };
})"""


def test_list_numbers_sit_on_the_first_line(server: str, laptop: Page,
                                            real_summary: dict[str, Any]) -> None:
    """A sentence that wraps has its number beside its first line, not its last."""
    page = laptop.open(server)
    answer_with(page, {**real_summary, "attribution": long_attribution(5, 14)})
    submit_routed(page)
    page.locator("#attribution").scroll_into_view_if_needed()
    for selector, first_number in (("#attribution-summary", 1), ("#attribution-sources", 0)):
        items = page.locator(selector).evaluate(LIST_LINES_JS)
        for k, item in enumerate(items):
            assert "missing" not in item, f"{selector} item {k} has no number: {item}"
            assert item["number"] == f"{first_number + k}.", item
            assert item["lines"] > 1, f"{selector} item {k} fits one line: not a test"
            assert abs(item["numberTop"] - item["firstTop"]) <= 2, (selector, k, item)
            assert abs(item["numberBottom"] - item["firstBottom"]) <= 2, (selector, k, item)
            assert item["numberTop"] < item["lastTop"], (selector, k, item)
    screenshot(page, "web-list-numbers.png")
    assert laptop.console_errors == [] and laptop.page_errors == []


# Per item: scrolled into view (the sources list scrolls), its number's glyphs must lie inside
# the list's visible box and the viewport, left of the item's text, and be what a hit test at
# both ends of the number finds (nothing clips or covers it).
NUMBER_VISIBLE_JS = """(ol) => [...ol.children].map((li, i) => {
  const num = li.querySelector(':scope > .num');
  if (!num) return { i, missing: true };
  li.scrollIntoView({ block: 'nearest' });
  const box = ol.getBoundingClientRect();
  const left = box.left + ol.clientLeft, top = box.top + ol.clientTop;
  const clip = [left, top, left + ol.clientWidth, top + ol.clientHeight];
  const range = document.createRange();
  range.selectNodeContents(num);
  const ink = range.getBoundingClientRect();
  const y = (ink.top + ink.bottom) / 2;
  const hit = (x) => num.contains(document.elementFromPoint(x, y));
  const body = num.nextElementSibling.getBoundingClientRect();
  return { i, number: num.textContent, ink: [ink.left, ink.top, ink.right, ink.bottom], clip,
           view: [0, 0, innerWidth, innerHeight], textLeft: body.left,
           hits: [hit(ink.left + 1), hit(ink.right - 1)],
           overflows: num.scrollWidth > num.clientWidth };
})"""


def inside(inner: list[float], outer: list[float], slack: float = 0.5) -> bool:
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def test_list_gutter_fits_two_and_three_digit_numbers(server: str, laptop: Page,
                                                      real_summary: dict[str, Any]) -> None:
    page = laptop.open(server)
    answer_with(page, {**real_summary, "attribution": long_attribution(12, 120)})
    submit_routed(page)
    for selector, first_number, count in (("#attribution-summary", 1, 12),
                                          ("#attribution-sources", 0, 120)):
        items = page.locator(selector).evaluate(NUMBER_VISIBLE_JS)
        assert len(items) == count
        for item in items:
            assert "missing" not in item, f"{selector} item {item['i']} has no number"
            assert item["number"] == f"{first_number + item['i']}.", item
            assert inside(item["ink"], item["clip"]), (selector, item)
            assert inside(item["ink"], item["view"]), (selector, item)
            assert item["ink"][2] <= item["textLeft"], (selector, item)
            assert item["hits"] == [True, True] and not item["overflows"], (selector, item)
    page.locator("#source-11").scroll_into_view_if_needed()
    screenshot(page, "web-list-gutter.png")
    page.locator("#source-105").scroll_into_view_if_needed()
    screenshot(page, "web-list-gutter-three-digits.png")
    assert laptop.console_errors == [] and laptop.page_errors == []


# How an expander shows its state: a list-item marker (a summary's own disclosure triangle)
# or a drawn ::before/::after; whichever it is must show and change when it opens.
MARKER_JS = """(summary) => {
  const own = getComputedStyle(summary);
  const drawn = (pseudo) => {
    const s = getComputedStyle(summary, pseudo);
    return s.display === 'none' || ['none', 'normal'].includes(s.content) ? null
      : [s.content, s.transform, s.width, s.height, s.borderColor, s.backgroundImage].join('|');
  };
  const listItem = own.display === 'list-item' && own.listStyleType !== 'none'
    ? own.listStyleType + '|' + getComputedStyle(summary, '::marker').content : null;
  return { listItem, before: drawn('::before'), after: drawn('::after') };
}"""


def marker(page: Any, selector: str) -> dict[str, Any]:
    found: dict[str, Any] = page.locator(selector).evaluate(MARKER_JS)
    assert any(found.values()), f"{selector} shows no open/closed marker: {found}"
    return found


def test_expanders_show_whether_they_are_open(web_key: tuple[str, str], desktop: Page) -> None:
    base, _ = web_key
    page = desktop.open(base, status="API key needed")  # the key box shows, open
    for box in ("#glossary-box", "#key-box"):
        summary = f"{box} > summary"
        if page.locator(box).get_attribute("open") is not None:
            page.click(summary)
        sync_api.expect(page.locator(box)).not_to_have_attribute("open", "")
        closed = marker(page, summary)
        page.click(summary)
        sync_api.expect(page.locator(box)).to_have_attribute("open", "")
        opened = marker(page, summary)
        assert opened != closed, (box, closed)
    screenshot(page, "web-expanders-open.png")
    page.click("#glossary-box > summary")
    page.click("#key-box > summary")
    screenshot(page, "web-expanders-closed.png")
    # Chromium logs the page's keyless GET /v1/models (401) itself; nothing else may fail.
    assert all("401" in e for e in desktop.console_errors), desktop.console_errors
    assert desktop.page_errors == []


def test_repeated_warnings_are_grouped_and_the_summary_stays_in_view(
        server: str, laptop: Page, real_summary: dict[str, Any]) -> None:
    warnings = list(real_summary["warnings"])
    k = 0
    while len(warnings) < 20:
        warnings.append(
            {"code": "unsupported_claim",
             "message": f"the summary names 'Kota{k}', which the article does not mention"}
            if k % 3 else
            {"code": "number_changed",
             "message": f"sentence {k} of the article's translation: '{2000 + k}' of the source "
                        "is missing from the translation",
             "details": {"sentence": k, "expected": str(2000 + k), "found": None}})
        k += 1
    groups = Counter(w["code"] for w in warnings)
    assert len(warnings) == 20 and max(groups.values()) >= 5
    page = laptop.open(server)
    answer_with(page, {**real_summary, "warnings": warnings})
    submit_routed(page)

    # The answer is scrolled to, and its summary starts above the fold, heading and text.
    summary = page.locator("#summaries .summary").first.bounding_box()
    assert summary is not None and summary["y"] >= 0, summary
    assert summary["y"] + 80 <= LAPTOP["height"], summary
    screenshot(page, "web-warnings-grouped.png", full_page=False)

    cards = page.locator("#warnings .warning")
    assert cards.count() == len(groups)
    assert cards.first.locator("code").first.inner_text() == "random_weights"
    for i in range(cards.count()):
        card = cards.nth(i)
        code = card.locator("code").first.inner_text()
        messages = [w["message"] for w in warnings if w["code"] == code]
        if len(messages) == 1:
            assert card.locator(".count").count() == 0
            assert messages[0] in card.inner_text()
            continue
        assert re.search(rf"\b{len(messages)}\b", card.locator(".count").inner_text()), code
        listed = card.locator("details li")
        assert not listed.first.is_visible()  # collapsed until asked for
        card.locator("details > summary").click()
        sync_api.expect(listed.first).to_be_visible()
        assert listed.all_inner_texts() == messages
        card.locator("details > summary").click()
    screenshot(page, "web-warnings-grouped-open.png")
    assert laptop.console_errors == [] and laptop.page_errors == []


def test_elapsed_time_reads_ms_under_a_second(server: str, desktop: Page,
                                              real_summary: dict[str, Any]) -> None:
    page = desktop.open(server)
    delay = [0.02]
    answer_with(page, real_summary, delay)
    submit_routed(page)
    done = re.fullmatch(r"Done in (\d+) ms", text_of(page, "#busy"))
    assert done and 20 <= int(done[1]) < 1000, text_of(page, "#busy")
    screenshot(page, "web-elapsed-ms.png")
    delay[0] = 1.15
    page.click("#submit")
    sync_api.expect(page.locator("#busy")).to_contain_text("Done in")
    done = re.fullmatch(r"Done in (\d+\.\d) s", text_of(page, "#busy"))
    assert done and 1.1 <= float(done[1]) < 10, text_of(page, "#busy")
    # The formatting itself, at its edges.
    shown = page.evaluate("(ms) => ms.map((m) => window.ringkas.formatElapsed(m))",
                          [0.4, 20, 999.4, 999.6, 1100, 61_234])
    assert shown == ["0 ms", "20 ms", "999 ms", "1.0 s", "1.1 s", "61.2 s"]
    assert desktop.console_errors == [] and desktop.page_errors == []
