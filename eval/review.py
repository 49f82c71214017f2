"""Editors' judgements in the loop: a blind review sheet of article/summary pairs out of a
report, the editors' ratings back in, and how well each automatic metric agrees with them.

The round trip (``ringkas eval export-for-review``, then ``import-review``):

- :func:`review_items` picks the (strategy, article) pairs of a report and shuffles them with
  a fixed seed, so that an editor cannot tell which strategy wrote a summary from its place
  (blind rating) and the same export gives the same sheet again.
- :func:`sheet_csv` / :func:`sheet_html` are what the editors get: neither names a strategy
  or an article's id. :func:`review_key` is what stays with whoever exported: item ->
  (strategy, doc_id), the eval set's sha256 and each summary's sha256, so that ratings are
  never set against another set's, or another run's, summaries.
- :func:`read_ratings` validates a sheet that came back (perhaps partly rated) against the
  key and the report; :func:`analyse` gives the mean rating per strategy and, per
  automatic metric and rating dimension, Kendall's tau-b with a bootstrap interval.

Everything here is a pure function of its arguments; the command line (eval/cli.py) reads
and writes the files.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from eval.dataset import SummaryDoc

DIMENSIONS = ("faithfulness", "coverage", "fluency")
COLUMNS = ("item", "article", "summary", *DIMENSIONS, "errors")
# What each rating means, for the sheet's instructions (1 is worst, 5 best).
RUBRIC = {
    "faithfulness": "every claim is supported by the article (5) … it invents or distorts "
                    "facts (1)",
    "coverage": "has the article's main points (5) … misses what matters (1)",
    "fluency": "reads as natural, correct English (5) … hard to read (1)",
}
SEED = 20240611  # the shuffle's and the bootstrap's: the same export, the same sheet
N_BOOTSTRAP = 1000
KEY_FORMAT = "ringkas-review-key/1"
RATINGS_FILE = "ratings.csv"  # what the page's download button saves
# Cells a spreadsheet would run as a formula (an article is untrusted text): written with a
# leading apostrophe, which spreadsheets show as text and import strips again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_RATING = re.compile(r"\s*([1-5])\s*")


class ReviewError(ValueError):
    """A sheet, key or report that cannot be used as asked; the message says which row or
    file and why."""


@dataclass(frozen=True)
class ReviewItem:
    """One pair an editor rates. ``item`` is all the sheet names it by."""

    item: str
    strategy: str
    doc_id: str
    article: str
    summary: str


@dataclass(frozen=True)
class Rating:
    """One rated row of a returned sheet: a dimension left blank is None."""

    item: str
    strategy: str
    doc_id: str
    scores: Mapping[str, int | None]
    errors: str = ""


@dataclass(frozen=True)
class Ratings:
    """A returned sheet, read against its key: the rated rows, and how many rows came back
    blank (skipped) out of the key's items."""

    rated: tuple[Rating, ...]
    blank: int
    items: int


@dataclass(frozen=True)
class Agreement:
    """Kendall's tau-b between one metric and one rating dimension over ``n`` rated items;
    None where it is undefined (fewer than two items, or either side all ties)."""

    tau: float | None
    low: float | None
    high: float | None
    n: int

    def to_json(self) -> dict[str, Any]:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {"tau": r(self.tau), "ci95": [r(self.low), r(self.high)], "n": self.n}


@dataclass(frozen=True)
class Analysis:
    means: Mapping[str, Mapping[str, tuple[float, int]]]  # strategy -> dim -> (mean, n)
    agreement: Mapping[str, Mapping[str, Agreement]]  # metric -> dim -> tau
    lower_is_better: tuple[str, ...] = field(default=())


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- export -----------------------------------------------------------------------------


def review_items(report: Mapping[str, Any], docs: Sequence[SummaryDoc],
                 strategies: Sequence[str] = (), limit: int = 0,
                 seed: int = SEED) -> tuple[ReviewItem, ...]:
    """The pairs to rate, shuffled: every chosen strategy's summary of each of the first
    ``limit`` articles (0: all) of the eval set that it has one of.

    ``--limit`` counts articles, not items, so that every strategy is rated on the same
    articles and their mean ratings compare. The order is shuffled from a canonical
    (sorted) list, so it depends on the seed and the pairs, never on the report's dict
    order."""
    runs = report.get("summaries") or {}
    chosen = list(dict.fromkeys(strategies)) or list(runs)
    unknown = [s for s in chosen if s not in runs]
    if unknown:
        raise ReviewError(f"the report has no summaries of strategy {unknown[0]!r}; it has: "
                          f"{', '.join(runs) or 'none'}")
    if not chosen:
        raise ReviewError("the report has no summaries to review")
    by_id = {d.doc_id: d for d in docs}
    for strategy in chosen:
        stray = sorted(set(runs[strategy].get("outputs", {})) - set(by_id))
        if stray:
            raise ReviewError(f"summaries[{strategy}] has article {stray[0]!r}, which the "
                              "eval set has not: the report is of another eval set")
    with_output = [d for d in docs if any(d.doc_id in runs[s].get("outputs", {})
                                          for s in chosen)]
    picked = with_output[:limit] if limit > 0 else with_output
    pairs = sorted((s, d.doc_id) for s in chosen for d in picked
                   if d.doc_id in runs[s].get("outputs", {}))
    if not pairs:
        raise ReviewError("no summaries to review: the chosen strategies wrote none")
    random.Random(seed).shuffle(pairs)
    sheet = sheet_id(report["eval_set"]["sha256"], seed,
                     [(s, d, runs[s]["outputs"][d]) for s, d in pairs])
    width = max(3, len(str(len(pairs))))
    return tuple(ReviewItem(f"{sheet}-{n:0{width}d}", s, d, by_id[d].source,
                            runs[s]["outputs"][d]) for n, (s, d) in enumerate(pairs, 1))


def sheet_id(eval_sha: str, seed: int, pairs: Iterable[tuple[str, str, str]]) -> str:
    """A short name for one export, the prefix of its item names: two exports (other
    strategies, another limit) number their items alike, and a sheet returned for one must
    not be read with the other's key. It starts with a letter so a spreadsheet keeps
    ``S1a2b3-007`` as text rather than reading a number or a date into it."""
    digest = hashlib.sha256(json.dumps([eval_sha, seed, [list(p) for p in pairs]],
                                       ensure_ascii=False).encode("utf-8"))
    return "S" + digest.hexdigest()[:6]


def review_key(items: Sequence[ReviewItem], report: Mapping[str, Any],
               seed: int = SEED) -> dict[str, Any]:
    """What the editors must not see and the import needs: each item's strategy and
    article, the summary it showed (its sha256: a re-run report with other outputs is
    refused), and the eval set's sha256."""
    return {
        "format": KEY_FORMAT,
        "sheet": items[0].item.rsplit("-", 1)[0] if items else "",
        "eval_set_sha256": report["eval_set"]["sha256"],
        "report_created": report.get("created"),
        "seed": seed,
        "dimensions": list(DIMENSIONS),
        "items": {i.item: {"strategy": i.strategy, "doc_id": i.doc_id,
                           "summary_sha256": sha256(i.summary)} for i in items},
    }


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def sheet_csv(items: Sequence[ReviewItem]) -> str:
    """The sheet as CSV, ratings blank. UTF-8 with a byte-order mark, which spreadsheets
    need to read the articles' curly quotes and accents as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for i in items:
        writer.writerow([i.item, _cell(i.article), _cell(i.summary), *[""] * len(DIMENSIONS),
                         ""])
    return "\ufeff" + out.getvalue()


def _paragraphs(text: str) -> str:
    """Escaped text as paragraphs (a blank line apart), each keeping its line breaks."""
    parts = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in parts)


_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f6f6f4}
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:.6em 1em;
z-index:1}
header h1{font-size:1.2em;margin:0 0 .3em}
header p{margin:.2em 0}
.intro{max-width:60em}
main{padding:1em;max-width:110em;margin:auto}
section{background:#fff;border:1px solid #ddd;border-radius:4px;margin:0 0 1.5em;padding:.5em 1em}
section.done{border-color:#4a8}
section h2{font-size:1em;margin:.3em 0}
.pair{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1.5em}
.pair h3{font-size:.9em;text-transform:uppercase;color:#555;margin:.3em 0}
.article{max-height:32em;overflow:auto;border-right:1px solid #eee;padding-right:1em}
.text p{white-space:pre-wrap;overflow-wrap:anywhere;margin:0 0 .7em}
.ratings{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start;margin:.7em 0}
.ratings label{display:flex;flex-direction:column;font-size:.9em}
.ratings textarea{width:28em;max-width:90vw;height:3.5em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:0 1em;margin:.3em 0;font-size:.9em}
dt{font-weight:bold}dd{margin:0}
button{font-size:1em;padding:.3em 1em}
@media (max-width:50em){.pair{grid-template-columns:1fr}.article{border:0}}
"""

# The page's only code: restore and keep the editor's work in this browser (localStorage,
# where a file:// page has it), count what is rated, and build the CSV to download from the
# page's own text and inputs (no data is embedded in the script, so no article text is
# ever inside a <script> element).
_SCRIPT = """
(function () {
  "use strict";
  var DIMS = %(dims)s, COLS = %(cols)s, FORMULA = /^[=+\\-@\\t\\r]/;
  var sheet = document.body.getAttribute("data-sheet");
  var sections = Array.prototype.slice.call(document.querySelectorAll("section[data-item]"));
  function store() { try { return window.localStorage; } catch (e) { return null; } }
  function field(s, name) { return s.querySelector("[name='" + name + "']"); }
  function values() {
    var all = {};
    sections.forEach(function (s) {
      var v = {};
      DIMS.concat(["errors"]).forEach(function (d) { v[d] = field(s, d).value; });
      all[s.getAttribute("data-item")] = v;
    });
    return all;
  }
  function count() {
    var rated = 0;
    sections.forEach(function (s) {
      var done = DIMS.every(function (d) { return field(s, d).value !== ""; });
      s.classList.toggle("done", done);
      if (done) { rated += 1; }
    });
    document.getElementById("progress").textContent =
      rated + " of " + sections.length + " fully rated";
  }
  function save() {
    var st = store();
    if (st) { try { st.setItem("ringkas-review-" + sheet, JSON.stringify(values())); }
              catch (e) { /* full or refused: the download still works */ } }
    count();
  }
  function restore() {
    var st = store(), saved = null;
    try { saved = st && JSON.parse(st.getItem("ringkas-review-" + sheet) || "null"); }
    catch (e) { saved = null; }
    if (!saved) { return; }
    sections.forEach(function (s) {
      var v = saved[s.getAttribute("data-item")];
      if (!v) { return; }
      DIMS.concat(["errors"]).forEach(function (d) {
        if (typeof v[d] === "string") { field(s, d).value = v[d]; }
      });
    });
  }
  function cell(text) {
    if (FORMULA.test(text)) { text = "'" + text; }
    return /[",\\r\\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function csv() {
    var rows = [COLS.map(cell).join(",")];
    sections.forEach(function (s) {
      var row = [s.getAttribute("data-item"),
                 s.querySelector(".article .text").getAttribute("data-text"),
                 s.querySelector(".summary .text").getAttribute("data-text")];
      DIMS.forEach(function (d) { row.push(field(s, d).value); });
      row.push(field(s, "errors").value);
      rows.push(row.map(cell).join(","));
    });
    return "\\ufeff" + rows.join("\\r\\n") + "\\r\\n";
  }
  function download() {
    var blob = new Blob([csv()], {type: "text/csv;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "%(file)s";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  restore();
  document.addEventListener("change", save);
  document.addEventListener("input", save);
  document.getElementById("download").addEventListener("click", download);
  count();
})();
"""


def _csp_hash(text: str) -> str:
    import base64

    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def sheet_html(items: Sequence[ReviewItem]) -> str:
    """A self-contained page (no external assets; it works from file://): each article
    beside its summary with a rating input per dimension, and a button that downloads the
    filled sheet as CSV.

    Articles and summaries are untrusted text: every one is escaped, and the page's
    Content-Security-Policy runs only its own script and style (by hash), so markup that
    got through would still run nothing and load nothing."""
    script = _SCRIPT % {"dims": json.dumps(list(DIMENSIONS)), "cols": json.dumps(list(COLUMNS)),
                        "file": RATINGS_FILE}
    csp = (f"default-src 'none'; script-src {_csp_hash(script)}; "
           f"style-src {_csp_hash(_STYLE)}; base-uri 'none'; form-action 'none'")
    sheet = items[0].item.rsplit("-", 1)[0] if items else ""
    options = '<option value="">–</option>' + "".join(
        f'<option value="{n}">{n}</option>' for n in range(1, 6))
    rubric = "".join(f"<dt>{d}</dt><dd>{html.escape(text)}</dd>" for d, text in RUBRIC.items())
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Summary review {html.escape(sheet)}</title>",
        f"<style>{_STYLE}</style></head>",
        f'<body data-sheet="{html.escape(sheet)}"><header>',
        f"<h1>Summary review, sheet {html.escape(sheet)}</h1>",
        '<p><button type="button" id="download">Download ratings (CSV)</button> '
        '<span id="progress"></span></p></header><main><div class="intro">',
        "<p>Rate each English summary against the Indonesian article beside it, 1 (worst) "
        "to 5 (best); leave a rating blank if you cannot judge it. Note any error you find "
        "(a wrong number, name or claim) under errors. Your work is kept in this browser; "
        f"when done, download the sheet and send back <code>{RATINGS_FILE}</code>.</p>",
        f"<dl>{rubric}</dl></div>",
    ]
    for i in items:
        item = html.escape(i.item)
        selects = "".join(f'<label>{d}<select name="{d}" aria-label="{d} of {item}">'
                          f"{options}</select></label>" for d in DIMENSIONS)
        parts.append(
            f'<section data-item="{item}" id="{item}"><h2>{item}</h2><div class="pair">'
            f'<div class="article" lang="id"><h3>Article</h3>'
            f'<div class="text" data-text="{html.escape(i.article)}">'
            f"{_paragraphs(i.article)}</div></div>"
            f'<div class="summary" lang="en"><h3>Summary</h3>'
            f'<div class="text" data-text="{html.escape(i.summary)}">'
            f"{_paragraphs(i.summary)}</div></div></div>"
            f'<div class="ratings">{selects}<label>errors<textarea name="errors" '
            f'aria-label="errors in {item}"></textarea></label></div></section>')
    parts += ["</main>", f"<script>{script}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"


# --- import -----------------------------------------------------------------------------


def check_key(key: Mapping[str, Any], report: Mapping[str, Any]) -> None:
    """The key belongs to this report: the same eval set, and every item's summary is the
    one the report has (a report re-run since has other outputs; its metrics would be set
    against ratings of summaries nobody rated)."""
    if key.get("format") != KEY_FORMAT or not isinstance(key.get("items"), dict):
        raise ReviewError(f"not a review key ({KEY_FORMAT}): write one with "
                          "`ringkas eval export-for-review`")
    theirs, ours = key.get("eval_set_sha256"), (report.get("eval_set") or {}).get("sha256")
    if not isinstance(ours, str):
        raise ReviewError("the report names no eval set: not a report of `ringkas eval`")
    if theirs != ours:
        raise ReviewError(f"the key is of eval set {str(theirs)[:16]}…, the report of "
                          f"{ours[:16]}…: these ratings are of another eval set")
    runs = report.get("summaries") or {}
    for item, where in key["items"].items():
        if not isinstance(where, dict) or not {"strategy", "doc_id",
                                                "summary_sha256"} <= set(where):
            raise ReviewError(f"the key's item {item} names no strategy, doc_id and "
                              "summary_sha256: not a key export-for-review wrote")
        output = runs.get(where["strategy"], {}).get("outputs", {}).get(where["doc_id"])
        if output is None:
            raise ReviewError(f"item {item}: the report has no summary of {where['doc_id']} "
                              f"by {where['strategy']}")
        if sha256(output) != where["summary_sha256"]:
            raise ReviewError(f"item {item}: the report's summary of {where['doc_id']} by "
                              f"{where['strategy']} is not the one the editors rated (the "
                              "report was written by another run)")


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def read_ratings(text: str, key: Mapping[str, Any], name: str = RATINGS_FILE) -> Ratings:
    """A returned sheet (CSV text) read against its key. A row is named as a spreadsheet
    shows it: the header is row 1. A rating is a whole number 1–5 or blank; a row with
    every rating blank is skipped and counted, so a partly rated sheet can come back."""
    items = key["items"]
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, 2**24))  # an article is one cell, and may be long
    try:
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    except csv.Error as exc:
        raise ReviewError(f"{name} is not CSV: {exc}") from None
    finally:
        csv.field_size_limit(old_limit)
    if not rows:
        raise ReviewError(f"{name} is empty")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in ("item", *DIMENSIONS) if c not in header]
    if missing:
        raise ReviewError(f"{name} row 1: no column {missing[0]!r} (the columns are "
                          f"{', '.join(COLUMNS)})")
    col = {c: header.index(c) for c in header}
    sheet = key.get("sheet", "")
    seen: dict[str, int] = {}
    rated: list[Rating] = []
    blank = 0
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue  # an empty line a spreadsheet left at the end

        def value(column: str, row: list[str] = row) -> str:
            at = col.get(column)
            return row[at].strip() if at is not None and at < len(row) else ""

        item = value("item")
        where = f"{name} row {number} (item {item or '?'})"
        if item not in items:
            hint = (f"; this key's items are {sheet}-…, from another export" if sheet
                    and not item.startswith(sheet + "-") else "")
            raise ReviewError(f"{where}: the key has no such item{hint}")
        if item in seen:
            raise ReviewError(f"{where}: the item is on row {seen[item]} too")
        seen[item] = number
        scores: dict[str, int | None] = {}
        for dim in DIMENSIONS:
            raw = value(dim)
            match = _RATING.fullmatch(raw)
            if raw and not match:
                raise ReviewError(f"{where}: {dim} is {raw!r}; a rating is a whole number "
                                  "1–5, or blank")
            scores[dim] = int(match.group(1)) if match else None
        if all(v is None for v in scores.values()):
            blank += 1
            continue
        rated.append(Rating(item, items[item]["strategy"], items[item]["doc_id"], scores,
                            _uncell(value("errors"))))
    if not rated:
        raise ReviewError(f"{name} has no ratings ({blank} blank rows): nothing to import")
    return Ratings(tuple(rated), blank, len(items))


# --- agreement --------------------------------------------------------------------------


def kendall_tau_b(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Kendall's tau-b, by counting pairs: (concordant - discordant) / sqrt((n0 - n1) *
    (n0 - n2)), with n0 the pairs, n1 those tied in x and n2 those tied in y (a pair tied in
    both counts in each). Ratings are 1–5, so ties are the rule, which tau-a ignores and
    tau-b corrects for. None where undefined: fewer than two items, or a side all ties."""
    if len(x) != len(y):
        raise ValueError("x and y differ in length")
    xs, ys = [float(v) for v in x], [float(v) for v in y]
    s = untied_x = untied_y = 0
    for i, j in combinations(range(len(xs)), 2):
        dx = (xs[i] > xs[j]) - (xs[i] < xs[j])
        dy = (ys[i] > ys[j]) - (ys[i] < ys[j])
        s += dx * dy
        untied_x += dx != 0
        untied_y += dy != 0
    if not untied_x or not untied_y:
        return None
    return s / math.sqrt(untied_x * untied_y)


def tau_b_rows(x: Any, y: Any) -> Any:
    """tau-b of each row of ``x`` against the same row of ``y`` (2-D arrays; NaN where
    undefined): the bootstrap's thousand resamples at numpy speed. The same sums as
    :func:`kendall_tau_b` over the full sign matrices, which count each pair twice, and
    the twice cancels."""
    import numpy as np

    dx = np.sign(x[:, :, None] - x[:, None, :])
    dy = np.sign(y[:, :, None] - y[:, None, :])
    s = (dx * dy).sum(axis=(1, 2))
    denom = np.sqrt(np.abs(dx).sum(axis=(1, 2)) * np.abs(dy).sum(axis=(1, 2)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, s / np.where(denom > 0, denom, 1), np.nan)


def agreement(x: Sequence[float], y: Sequence[float], n_bootstrap: int = N_BOOTSTRAP,
              seed: int = SEED) -> Agreement:
    """tau-b of the items and its 95% percentile interval over ``n_bootstrap`` resamples of
    the items (with replacement; a resample where tau-b is undefined is left out). The
    seed is fixed, so an import gives the same interval again."""
    import numpy as np

    n = len(x)
    tau = kendall_tau_b(x, y)
    if tau is None or n_bootstrap < 2:
        return Agreement(tau, None, None, n)
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rng = np.random.default_rng(seed)
    taus = []
    for start in range(0, n_bootstrap, 100):  # 100 resamples of n x n signs at a time
        idx = rng.integers(0, n, size=(min(100, n_bootstrap - start), n))
        taus.append(tau_b_rows(xs[idx], ys[idx]))
    found = np.concatenate(taus)
    found = found[~np.isnan(found)]
    if not len(found):
        return Agreement(tau, None, None, n)
    low, high = np.percentile(found, [2.5, 97.5])
    return Agreement(tau, float(low), float(high), n)


def analyse(ratings: Ratings, report: Mapping[str, Any], n_bootstrap: int = N_BOOTSTRAP,
            seed: int = SEED) -> Analysis:
    """Mean rating per strategy and dimension; per automatic per-article metric of the
    report and per dimension, tau-b over the rated (strategy, article) items that have
    both. Metrics are as the report has them, not flipped: for one whose lower values are
    better (``ter``, the ``unsupported_*``: see ``lower_is_better``) agreement with the
    editors shows as a negative tau."""
    runs = report.get("summaries") or {}
    means: dict[str, dict[str, tuple[float, int]]] = {}
    for strategy in dict.fromkeys(r.strategy for r in ratings.rated):
        mine = [r for r in ratings.rated if r.strategy == strategy]
        means[strategy] = {}
        for dim in DIMENSIONS:
            given = [v for r in mine if (v := r.scores[dim]) is not None]
            if given:
                means[strategy][dim] = (sum(given) / len(given), len(given))
    per_item = [runs[r.strategy].get("documents", {}).get(r.doc_id, {}) for r in ratings.rated]
    from eval.report import TABLE_METRICS

    found = {m for scores in per_item for m, v in scores.items() if _number(v)}
    metrics = [m for m in TABLE_METRICS if m in found] + sorted(found - set(TABLE_METRICS))
    table: dict[str, dict[str, Agreement]] = {}
    for metric in metrics:
        table[metric] = {}
        for dim in DIMENSIONS:
            xs: list[float] = []
            ys: list[float] = []
            for r, scores in zip(ratings.rated, per_item, strict=True):
                rating = r.scores[dim]
                if rating is not None and _number(scores.get(metric)):
                    xs.append(float(scores[metric]))
                    ys.append(float(rating))
            table[metric][dim] = agreement(xs, ys, n_bootstrap, seed)
    lower = tuple(m for m in metrics if any(
        run.get("corpus", {}).get(m, {}).get("higher_is_better") is False
        for run in runs.values()))
    return Analysis(means, table, lower)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def review_json(ratings: Ratings, analysis: Analysis, key: Mapping[str, Any],
                n_bootstrap: int = N_BOOTSTRAP, seed: int = SEED,
                source: str = RATINGS_FILE) -> dict[str, Any]:
    """review.json: the agreement table, the means and each rated row. The report keeps
    all of it but the rows under ``review`` (report.md's "Editors' ratings" reads it)."""
    return {
        "sheet": key.get("sheet"),
        "ratings_file": source,
        "eval_set_sha256": key["eval_set_sha256"],
        "dimensions": list(DIMENSIONS),
        "scale": [1, 5],
        "items": ratings.items,
        "rated": len(ratings.rated),
        "blank": ratings.blank,
        "test": "Kendall's tau-b, 95% percentile bootstrap over the rated items",
        "bootstrap": {"resamples": n_bootstrap, "seed": seed},
        "lower_is_better": list(analysis.lower_is_better),
        "means": {s: {d: {"mean": round(m, 4), "n": n} for d, (m, n) in dims.items()}
                  for s, dims in analysis.means.items()},
        "agreement": {m: {d: a.to_json() for d, a in dims.items()}
                      for m, dims in analysis.agreement.items()},
        "ratings": [{"item": r.item, "strategy": r.strategy, "doc_id": r.doc_id,
                     **r.scores, "errors": r.errors} for r in ratings.rated],
    }
