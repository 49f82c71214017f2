"""Editors' review round trip: `ringkas eval export-for-review` and `import-review` on a small
synthetic report.json (no models), Kendall's tau-b against hand-counted pairs, the sheet's
validation, its escaping and its blindness, and the page itself in a headless Chromium."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from eval import dataset, review
from eval.review import DIMENSIONS, ReviewError, ReviewItem, kendall_tau_b
from service.cli import main
from tests.conftest import REPO

# Names no article or summary holds, so finding one in the sheet is a leak.
STRATEGIES = ("stratalpha-xq", "stratbeta-xq")


def level(strategy: int, doc: int) -> int:
    """Each item's true quality, 1–5, spread over both strategies and every article."""
    return (doc + 2 * strategy) % 5 + 1


def synthetic_report(outputs: Callable[[int, int], str] | None = None) -> dict[str, Any]:
    """A report.json of the checkout's eval set as `ringkas eval` writes it, with
    per-article metrics that follow ``level`` exactly (rouge1 up, ter down) or not at all
    (chrf: the article's position only)."""
    docs = dataset.summary_set()
    summaries = {}
    for s, name in enumerate(STRATEGIES):
        documents = {d.doc_id: {"rouge1": 20.0 * level(s, i), "ter": 100.0 - 20 * level(s, i),
                                "chrf": float(i), "words": 30}
                     for i, d in enumerate(docs)}
        texts = {d.doc_id: (outputs(s, i) if outputs else
                            f"Summary number {i}, take {s}.")
                 for i, d in enumerate(docs)}
        corpus = {m: {"value": 1.0, "signature": f"sig:{m}", "higher_is_better": m != "ter"}
                  for m in ("rouge1", "ter", "chrf", "words")}
        summaries[name] = {"models": [], "prompt": None, "corpus": corpus,
                           "documents": documents, "outputs": texts, "errors": {}}
    files = dataset.eval_set_files()
    return {"ringkas_version": "test", "created": "2025-01-01T00:00:00+00:00",
            "length": "medium", "system": "hypotheses test",
            "eval_set": {"sha256": dataset.fingerprint(files), "files": len(files),
                         "summary_documents": len(docs), "limit": 0},
            "metrics": {"bootstrap": 1}, "summaries": summaries, "translation": {},
            "segmentation": {}, "fidelity": {}}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, ["eval", *args])


@pytest.fixture()
def exported(tmp_path: Path) -> dict[str, Any]:
    """A report written to disk and its review sheet exported, as an editor gets it."""
    report_path = tmp_path / "eval" / "report.json"
    report_path.parent.mkdir()
    report_path.write_text(json.dumps(synthetic_report()), encoding="utf-8")
    out = tmp_path / "review"
    result = invoke("export-for-review", "--report", str(report_path), "--out", str(out))
    assert result.exit_code == 0, result.output
    key = json.loads((out / "review-key.json").read_text(encoding="utf-8"))
    return {"report": report_path, "out": out, "key": key, "tmp": tmp_path}


def sheet_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def truth(key: dict[str, Any], item: str) -> int:
    where = key["items"][item]
    docs = [d.doc_id for d in dataset.summary_set()]
    return level(STRATEGIES.index(where["strategy"]), docs.index(where["doc_id"]))


def fill(exported: dict[str, Any], rate: Callable[[int], dict[str, str]],
         rows: Callable[[list[dict[str, str]]], list[dict[str, str]]] = lambda r: r) -> Path:
    """The sheet as an editor returns it: each row's ratings from its item's true level."""
    sheet = sheet_rows(exported["out"] / "review.csv")
    for row in sheet:
        row.update(rate(truth(exported["key"], row["item"])))
    path = exported["tmp"] / "ratings.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(review.COLUMNS))
        writer.writeheader()
        writer.writerows(rows(sheet))
    return path


def import_(exported: dict[str, Any], ratings: Path, *extra: str) -> Result:
    return invoke("import-review", str(ratings), "--key",
                  str(exported["out"] / "review-key.json"), "--report", str(exported["report"]),
                  "--bootstrap", "200", *extra)


# --- tau-b ------------------------------------------------------------------------------


def test_tau_b_on_hand_counted_pairs() -> None:
    # No ties: x = 1..5, y = 3 1 2 5 4. Of the 10 pairs, discordant are (1,2) (1,3) (4,5),
    # the other 7 concordant: (7 - 3) / 10.
    assert kendall_tau_b([1, 2, 3, 4, 5], [3, 1, 2, 5, 4]) == pytest.approx(0.4)
    # Ties on both sides (ratings-like): x = 1 1 2 2 3, y = 1 2 1 2 3. Pairs tied in x: 2,
    # in y: 2; of the other 6, one discordant (items 2, 3): (5 - 1) / sqrt(8 * 8) = 0.5,
    # where tau-a (ties not corrected for) would give 4 / 10.
    assert kendall_tau_b([1, 1, 2, 2, 3], [1, 2, 1, 2, 3]) == pytest.approx(0.5)
    # The textbook example of scipy.stats.kendalltau's documentation (and R's
    # cor(method = "kendall")): -0.47140452079103173. By hand: C = 2, D = 6, 2 pairs tied in
    # x (one of them tied in y too), 1 in y: -4 / sqrt(8 * 9).
    assert kendall_tau_b([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) == pytest.approx(
        -0.47140452079103173, abs=1e-12)


def test_tau_b_extremes_and_undefined() -> None:
    x = [3.0, 1.0, 4.0, 1.5, 5.0, 9.0, 2.0, 6.0]
    assert kendall_tau_b(x, [v * 10 + 1 for v in x]) == pytest.approx(1.0)
    assert kendall_tau_b(x, [-v for v in x]) == pytest.approx(-1.0)
    # Perfect with ties: the same ties on both sides still give exactly 1.
    assert kendall_tau_b([1, 1, 2, 3, 3], [2, 2, 4, 5, 5]) == pytest.approx(1.0)
    # Undefined, not 0: a constant side, or a single item, has no order to agree with.
    assert kendall_tau_b([1, 2, 3], [4, 4, 4]) is None
    assert kendall_tau_b([1], [1]) is None
    with pytest.raises(ValueError):
        kendall_tau_b([1, 2], [1])


def test_the_bootstraps_fast_tau_b_is_the_pair_counting_one() -> None:
    """The bootstrap uses the numpy form; on tied data it must give what counting does."""
    import numpy as np

    rng = np.random.default_rng(7)
    x = rng.integers(0, 4, size=(50, 12)).astype(float)
    y = rng.integers(1, 6, size=(50, 12)).astype(float)
    x[3] = 2.0  # a row with no order: undefined in both
    fast = review.tau_b_rows(x, y)
    for row in range(50):
        slow = kendall_tau_b(list(x[row]), list(y[row]))
        assert (np.isnan(fast[row]) if slow is None else fast[row] == pytest.approx(slow))


def test_bootstrap_interval_is_seeded_and_holds_tau() -> None:
    x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    y = [2, 1, 4, 3, 5, 5, 7, 9, 8, 10]
    a = review.agreement(x, y, 500)
    assert a == review.agreement(x, y, 500)  # a fixed seed: the same interval again
    assert a.tau is not None and a.low is not None and a.high is not None
    assert -1 <= a.low < a.tau < a.high <= 1 and a.n == 10
    assert review.agreement(x, y, 500, seed=1) != a  # the seed is what fixes it
    perfect = review.agreement(x, x, 200)
    assert (perfect.tau, perfect.low, perfect.high) == (1.0, 1.0, 1.0)


# --- the round trip ---------------------------------------------------------------------


def test_round_trip_ratings_that_follow_a_metric_give_tau_one(exported: dict[str, Any]) -> None:
    # faithfulness follows the metrics' level, coverage is its reverse, fluency is noise
    # around it; the first three rows come back blank.
    ratings = fill(exported, lambda t: {"faithfulness": str(t), "coverage": str(6 - t),
                                        "fluency": str(3 if t % 2 else t)},
                   rows=lambda rows: [{**r, **dict.fromkeys(DIMENSIONS, "")}
                                      for r in rows[:3]] + rows[3:])
    result = import_(exported, ratings)
    assert result.exit_code == 0, result.output
    items = len(exported["key"]["items"])
    assert items == 2 * len(dataset.summary_set())
    assert f"{items - 3} of {items} items rated; 3 blank rows skipped" in result.output
    found = json.loads((exported["report"].parent / "review.json").read_text(encoding="utf-8"))
    tau = found["agreement"]
    assert tau["rouge1"]["faithfulness"] == {"tau": 1.0, "ci95": [1.0, 1.0], "n": items - 3}
    assert tau["rouge1"]["coverage"]["tau"] == -1.0
    # ter is lower-is-better and not flipped: it agrees perfectly, so its tau is -1.
    assert tau["ter"]["faithfulness"]["tau"] == -1.0 and found["lower_is_better"] == ["ter"]
    assert -1 < tau["rouge1"]["fluency"]["tau"] < 1
    # words is the same for every summary: no order, so no tau.
    assert tau["words"]["faithfulness"]["tau"] is None
    assert found["blank"] == 3 and found["rated"] == items - 3 and found["items"] == items
    assert len(found["ratings"]) == items - 3
    # The means per strategy, from the rows themselves.
    by_strategy: dict[str, list[int]] = {}
    for r in found["ratings"]:
        by_strategy.setdefault(r["strategy"], []).append(r["faithfulness"])
    for strategy, values in by_strategy.items():
        assert found["means"][strategy]["faithfulness"] == {
            "mean": round(sum(values) / len(values), 4), "n": len(values)}
    # The report keeps it (all but the rows) and report.md shows it.
    report = json.loads(exported["report"].read_text(encoding="utf-8"))
    assert report["review"]["agreement"] == found["agreement"]
    assert "ratings" not in report["review"]
    assert report["summaries"] == synthetic_report()["summaries"]  # nothing else changed
    md = (exported["report"].parent / "report.md").read_text(encoding="utf-8")
    section = md.split("## Editors' ratings", 1)[1].split("\n## ", 1)[0]
    assert "| rouge1 | +1.00 [+1.00, +1.00] | -1.00 [-1.00, -1.00] |" in section
    assert "| ter ↓ | -1.00 [-1.00, -1.00] |" in section
    assert f"| {STRATEGIES[0]} |" in section and "| words | – | – | – |" in section


def test_a_partly_rated_row_counts_where_it_is_rated(exported: dict[str, Any]) -> None:
    def rows(sheet: list[dict[str, str]]) -> list[dict[str, str]]:
        sheet[0]["coverage"] = sheet[0]["fluency"] = ""  # faithfulness only
        return sheet

    ratings = fill(exported, lambda t: dict.fromkeys(DIMENSIONS, str(t)), rows=rows)
    assert import_(exported, ratings).exit_code == 0
    found = json.loads((exported["report"].parent / "review.json").read_text(encoding="utf-8"))
    items = len(exported["key"]["items"])
    assert found["agreement"]["rouge1"]["faithfulness"]["n"] == items
    assert found["agreement"]["rouge1"]["coverage"]["n"] == items - 1
    assert found["blank"] == 0
    md = (exported["report"].parent / "report.md").read_text(encoding="utf-8")
    assert f"| {items}/{items - 1}/{items - 1} |" in md


def test_a_sheet_returned_as_the_page_writes_it(exported: dict[str, Any]) -> None:
    """The page's CSV (its BOM, CRLF lines, a formula-looking note kept as text)."""
    sheet = sheet_rows(exported["out"] / "review.csv")
    lines = [",".join(review.COLUMNS)]
    for row in sheet:
        t = truth(exported["key"], row["item"])
        lines.append(f'{row["item"]},"",,{t},{t},{t},"\'=2+2 is wrong"')
    path = exported["tmp"] / "ratings.csv"
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    assert import_(exported, path).exit_code == 0
    found = json.loads((exported["report"].parent / "review.json").read_text(encoding="utf-8"))
    assert found["ratings"][0]["errors"] == "=2+2 is wrong"
    assert found["agreement"]["rouge1"]["fluency"]["tau"] == 1.0


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "message"), [
    ("6", "fluency is '6'"), ("0", "fluency is '0'"), ("4.5", "fluency is '4.5'"),
    ("good", "fluency is 'good'"), ("-3", "fluency is '-3'")])
def test_a_rating_outside_1_to_5_names_its_row(exported: dict[str, Any], value: str,
                                              message: str) -> None:
    def rows(sheet: list[dict[str, str]]) -> list[dict[str, str]]:
        sheet[4]["fluency"] = value
        return sheet

    result = import_(exported, fill(exported, lambda t: dict.fromkeys(DIMENSIONS, str(t)),
                                    rows=rows))
    item = sheet_rows(exported["out"] / "review.csv")[4]["item"]
    assert result.exit_code == 1
    # Row 6: the header is row 1, as a spreadsheet shows it.
    assert f"ratings.csv row 6 (item {item}): {message}; a rating is a whole number 1–5" \
        in result.output
    assert not (exported["report"].parent / "review.json").exists()  # nothing written


def test_unknown_and_duplicated_items_name_their_rows(exported: dict[str, Any]) -> None:
    every = lambda t: dict.fromkeys(DIMENSIONS, str(t))  # noqa: E731
    sheet = exported["key"]["sheet"]
    unknown = fill(exported, every, rows=lambda r: [*r[:2], {**r[2], "item": f"{sheet}-999"},
                                                    *r[3:]])
    result = import_(exported, unknown)
    assert result.exit_code == 1
    assert f"ratings.csv row 4 (item {sheet}-999): the key has no such item" in result.output
    twice = fill(exported, every, rows=lambda r: [*r, r[1]])
    result = import_(exported, twice)
    n = len(exported["key"]["items"])
    assert result.exit_code == 1
    item = sheet_rows(exported["out"] / "review.csv")[1]["item"]
    assert f"ratings.csv row {n + 2} (item {item}): the item is on row 3 too" in result.output


def test_ratings_of_another_export_are_refused(exported: dict[str, Any]) -> None:
    """Two exports number their items alike; the sheet id tells them apart."""
    ratings = fill(exported, lambda t: dict.fromkeys(DIMENSIONS, str(t)))
    other = exported["tmp"] / "other"
    result = invoke("export-for-review", "--report", str(exported["report"]), "--out",
                    str(other), "--strategy", STRATEGIES[0], "--limit", "4")
    assert result.exit_code == 0, result.output
    result = invoke("import-review", str(ratings), "--key", str(other / "review-key.json"),
                    "--report", str(exported["report"]))
    other_sheet = json.loads((other / "review-key.json").read_text())["sheet"]
    assert other_sheet != exported["key"]["sheet"]
    assert result.exit_code == 1
    assert "row 2" in result.output and f"this key's items are {other_sheet}-…, from another " \
        "export" in result.output


def test_a_key_of_another_eval_set_is_refused(exported: dict[str, Any]) -> None:
    ratings = fill(exported, lambda t: dict.fromkeys(DIMENSIONS, str(t)))
    key = dict(exported["key"], eval_set_sha256="0" * 64)
    key_path = exported["tmp"] / "old-key.json"
    key_path.write_text(json.dumps(key))
    result = invoke("import-review", str(ratings), "--key", str(key_path), "--report",
                    str(exported["report"]))
    assert result.exit_code == 1
    assert "the key is of eval set 0000000000000000…" in result.output
    assert "these ratings are of another eval set" in result.output


def test_a_report_rerun_since_the_export_is_refused(exported: dict[str, Any]) -> None:
    """Same eval set, other summaries: the editors rated text the report no longer has."""
    ratings = fill(exported, lambda t: dict.fromkeys(DIMENSIONS, str(t)))
    exported["report"].write_text(json.dumps(synthetic_report(lambda s, i: f"new {s} {i}")))
    result = import_(exported, ratings)
    assert result.exit_code == 1
    assert "is not the one the editors rated" in result.output


def test_a_blank_sheet_a_missing_column_and_not_utf8(exported: dict[str, Any]) -> None:
    blank = fill(exported, lambda t: dict.fromkeys(DIMENSIONS, ""))
    result = import_(exported, blank)
    n = len(exported["key"]["items"])
    assert result.exit_code == 1 and f"has no ratings ({n} blank rows)" in result.output
    no_fluency = exported["tmp"] / "cut.csv"
    no_fluency.write_text("item,faithfulness,coverage\nx,1,2\n")
    result = import_(exported, no_fluency)
    assert result.exit_code == 1 and "cut.csv row 1: no column 'fluency'" in result.output
    latin = exported["tmp"] / "latin.csv"
    latin.write_bytes("item,faithfulness,coverage,fluency,errors\nx,1,1,1,caf\xe9\n"
                      .encode("latin-1"))
    result = import_(exported, latin)
    assert result.exit_code == 1 and "is not UTF-8 text" in result.output


def test_the_checks_as_functions() -> None:
    """read_ratings and check_key on their own: what the CLI turns into its messages."""
    key = {"format": review.KEY_FORMAT, "sheet": "S000000", "eval_set_sha256": "a" * 64,
           "items": {"S000000-001": {"strategy": "x", "doc_id": "d",
                                     "summary_sha256": review.sha256("text")}}}
    header = ",".join(review.COLUMNS) + "\n"
    read = review.read_ratings(header + "S000000-001,,,2,,5,\n\n", key)
    assert read.rated[0].scores == {"faithfulness": 2, "coverage": None, "fluency": 5}
    assert (read.blank, read.items) == (0, 1)
    with pytest.raises(ReviewError, match=r"row 2 \(item S000000-001\): coverage is '3 4'"):
        review.read_ratings(header + "S000000-001,,,1, 3 4,1,\n", key)
    with pytest.raises(ReviewError, match="is empty"):
        review.read_ratings("", key)
    report = {"eval_set": {"sha256": "a" * 64},
              "summaries": {"x": {"outputs": {"d": "text"}}}}
    review.check_key(key, report)  # its own report: fine
    with pytest.raises(ReviewError, match="no summary of d by y"):
        review.check_key({**key, "items": {"S000000-001": {
            **key["items"]["S000000-001"], "strategy": "y"}}}, report)
    with pytest.raises(ReviewError, match="not a review key"):
        review.check_key({"items": {}}, report)


def test_export_refuses_a_report_of_another_eval_set(tmp_path: Path) -> None:
    report = synthetic_report()
    report["eval_set"]["sha256"] = "f" * 64
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    result = invoke("export-for-review", "--report", str(path), "--out", str(tmp_path / "r"))
    assert result.exit_code == 1 and "its articles are not these" in result.output
    report = synthetic_report()
    path.write_text(json.dumps(report))
    result = invoke("export-for-review", "--report", str(path), "--out", str(tmp_path / "r"),
                    "--strategy", "nonesuch")
    assert result.exit_code == 1 and "no summaries of strategy 'nonesuch'" in result.output


def test_export_keeps_the_key_of_a_sheet_editors_may_be_rating(
        exported: dict[str, Any]) -> None:
    args = ("export-for-review", "--report", str(exported["report"]), "--out",
            str(exported["out"]))
    assert invoke(*args).exit_code == 0  # the same sheet again: harmless
    result = invoke(*args, "--limit", "2")
    assert result.exit_code == 1 and "which editors may be rating" in result.output
    assert json.loads((exported["out"] / "review-key.json").read_text()) == exported["key"]
    assert invoke(*args, "--limit", "2", "--force").exit_code == 0


# --- what the editors see ---------------------------------------------------------------


def test_the_sheet_is_blind_and_its_shuffle_stable(exported: dict[str, Any]) -> None:
    out = exported["out"]
    csv_text = (out / "review.csv").read_text(encoding="utf-8-sig")
    page = (out / "review.html").read_text(encoding="utf-8")
    for text in (csv_text, page):
        for name in STRATEGIES:
            assert name not in text
        for doc in dataset.summary_set():
            assert doc.doc_id not in text  # nor which article (the key has that)
    rows = sheet_rows(out / "review.csv")
    assert [r["item"] for r in rows] == list(exported["key"]["items"])
    assert list(rows[0]) == list(review.COLUMNS)
    assert all(r[d] == "" for r in rows for d in (*DIMENSIONS, "errors"))
    order = [exported["key"]["items"][r["item"]]["strategy"] for r in rows]
    # Shuffled: not one strategy's block, then the other's.
    assert order != sorted(order) and order != sorted(order, reverse=True)
    # Stable: the report's dict order (a rerun may list strategies otherwise) changes nothing.
    report = synthetic_report()
    flipped = dict(report, summaries=dict(reversed(report["summaries"].items())))
    docs = dataset.summary_set()
    again = review.review_items(flipped, docs)
    assert [(i.item, i.strategy, i.doc_id) for i in again] == [
        (item, w["strategy"], w["doc_id"]) for item, w in exported["key"]["items"].items()]
    other = review.review_items(report, docs, seed=review.SEED + 1)
    assert [(i.strategy, i.doc_id) for i in other] != [(i.strategy, i.doc_id) for i in again]


def test_limit_counts_articles_under_every_strategy() -> None:
    items = review.review_items(synthetic_report(), dataset.summary_set(), limit=3)
    first = [d.doc_id for d in dataset.summary_set()[:3]]
    assert sorted((i.strategy, i.doc_id) for i in items) == sorted(
        (s, d) for s in STRATEGIES for d in first)
    only = review.review_items(synthetic_report(), dataset.summary_set(), [STRATEGIES[1]], 2)
    assert {i.strategy for i in only} == {STRATEGIES[1]} and len(only) == 2


HOSTILE = ('<script>window.pwned = 1</script><img src=x onerror="window.pwned=2">'
           '" onmouseover="window.pwned=3" </section><style>body{display:none}</style>\n\n'
           '=HYPERLINK("http://evil.example","click") & Tom\'s')


def hostile_items() -> list[ReviewItem]:
    return [ReviewItem("S000000-001", "x", "d1", HOSTILE, "A <b>bold</b> & \"quoted\" claim."),
            ReviewItem("S000000-002", "x", "d2", "Artikel biasa.", HOSTILE)]


def test_hostile_text_is_escaped_everywhere_in_the_page() -> None:
    page = review.sheet_html(hostile_items())
    # The page's own script is its only script, its own style its only style.
    assert page.count("<script") == 1 and page.count("<style") == 1
    for raw in ("<script>window", "<img", "</section><style", '" onmouseover', "<b>"):
        assert raw not in page, raw
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;" in page
    # Nothing outside the file: no URL an asset could load from, a CSP that allows none.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert meta is not None
    csp = html.unescape(meta.group(1))
    assert csp.startswith("default-src 'none'; script-src 'sha256-") and "unsafe" not in csp


def test_the_csv_keeps_a_spreadsheet_from_running_an_article() -> None:
    rows = list(csv.reader(io.StringIO(review.sheet_csv(hostile_items()).lstrip("\ufeff"))))
    assert rows[1][1] == HOSTILE  # starts with '<': a text cell as it is
    assert rows[2][2] == HOSTILE
    formula = ReviewItem("S000000-003", "x", "d3", "=1+1", "-5% growth")
    row = next(r for r in csv.reader(io.StringIO(review.sheet_csv([formula]))) if
               r[0] == "S000000-003")
    assert row[1:3] == ["'=1+1", "'-5% growth"]


def test_eval_is_a_group_that_still_runs_itself() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "--baseline" in result.output and "export-for-review" in result.output
    assert "import-review" in result.output
    # An option of the run before a subcommand would be ignored: refused, saying so.
    result = invoke("--strategy", "direct", "export-for-review")
    assert result.exit_code == 2 and "--strategy belong to `ringkas eval` itself" \
        in result.output
    top = CliRunner().invoke(main, ["--help"])
    assert top.exit_code == 0 and "eval" in top.output


# --- the docs ---------------------------------------------------------------------------


def documented_commands() -> list[list[str]]:
    text = (REPO / "docs" / "evaluation.md").read_text(encoding="utf-8")
    section = text.split("## Editors' review round trip", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        line = line.split("  #", 1)[0].strip()
        if line and not line.startswith("#"):
            commands.append(shlex.split(line))
    return commands


def test_the_documented_round_trip_works_as_written(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The review commands of docs/evaluation.md, verbatim, in a checkout's layout; the
    model run that makes the report is replaced by a synthetic report, and the editor by a
    filled sheet at the path the docs give."""
    commands = documented_commands()
    review_cmds = [c for c in commands if c[1:3] in (["eval", "export-for-review"],
                                                     ["eval", "import-review"])]
    assert [c[2] for c in review_cmds] == ["export-for-review", "import-review"]
    assert all(c[0] == ".venv/bin/ringkas" for c in commands)
    monkeypatch.chdir(tmp_path)
    report = Path("artifacts/eval/report.json")
    report.parent.mkdir(parents=True)
    report.write_text(json.dumps(synthetic_report()))
    export, import_cmd = review_cmds
    result = CliRunner().invoke(main, export[1:])
    assert result.exit_code == 0, result.output
    ratings = Path(import_cmd[3])
    key = json.loads(Path(import_cmd[import_cmd.index("--key") + 1]).read_text())
    rows = sheet_rows(Path(import_cmd[import_cmd.index("--key") + 1]).parent / "review.csv")
    ratings.parent.mkdir(parents=True, exist_ok=True)
    with ratings.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(review.COLUMNS))
        writer.writeheader()
        for row in rows:
            t = truth(key, row["item"])
            writer.writerow({**row, **dict.fromkeys(DIMENSIONS, str(t))})
    result = CliRunner().invoke(main, import_cmd[1:])
    assert result.exit_code == 0, result.output
    assert "## Editors' ratings" in Path("artifacts/eval/report.md").read_text()


# --- the page in a browser --------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    path = os.environ.get("RINGKAS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.skip(f"no Chromium at {path} (tests/setup/install-system-packages)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"])
        try:
            yield browser
        finally:
            browser.close()


def test_the_page_from_file_rates_and_downloads_a_sheet_import_reads(
        chromium: Any, tmp_path: Path) -> None:
    """Opened from file:// as an editor would: hostile text shows as text and runs nothing,
    the CSP blocks nothing of the page's own, ratings survive a reload, and the CSV it
    downloads is a sheet import-review reads."""
    long_word = "x" * 3000  # a model's runaway token (or a URL): no column may take it all
    hostile = synthetic_report(lambda s, i: HOSTILE if i == 0 else long_word if i == 1
                               else f"Summary {i}, {s}.")
    report_path = tmp_path / "report.json"
    report_path.write_text(json.dumps(hostile))
    out = tmp_path / "review"
    assert invoke("export-for-review", "--report", str(report_path), "--out", str(out),
                  "--limit", "5").exit_code == 0
    key = json.loads((out / "review-key.json").read_text())
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1280,
                                                                    "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto((out / "review.html").as_uri())
    assert page.evaluate("window.pwned") is None
    # Every article keeps its half of the page beside even an unbroken 3,000-letter summary.
    widths = page.evaluate("Array.from(document.querySelectorAll('.article'))"
                           ".map(e => e.getBoundingClientRect().width)")
    assert len(widths) == len(key["items"]) and min(widths) > 500, widths
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert HOSTILE.split("\n")[0] in page.inner_text("body")
    items = list(key["items"])
    for n, item in enumerate(items):
        section = page.locator(f"section[data-item='{item}']")
        if n == 0:
            continue  # returned blank
        t = truth(key, item)
        section.locator("select[name='faithfulness']").select_option(str(t))
        section.locator("select[name='coverage']").select_option(str(6 - t))
        if n != 1:
            section.locator("select[name='fluency']").select_option(str(t))
    page.locator(f"section[data-item='{items[2]}'] textarea").fill("=wrong year, \"1953\"")
    assert page.inner_text("#progress") == f"{len(items) - 2} of {len(items)} fully rated"
    page.reload()  # kept in the browser: a closed tab loses nothing
    assert page.inner_text("#progress") == f"{len(items) - 2} of {len(items)} fully rated"
    with page.expect_download() as info:
        page.click("#download")
    download = info.value
    assert download.suggested_filename == "ratings.csv"
    saved = tmp_path / "ratings.csv"
    download.save_as(saved)
    context.close()
    assert problems == []  # a CSP hash gone stale would block the script and say so here
    back = sheet_rows(saved)
    assert [r["item"] for r in back] == items
    assert back[3]["article"] == dataset.summary_set()[
        [d.doc_id for d in dataset.summary_set()].index(key["items"][items[3]]["doc_id"])
    ].source
    result = invoke("import-review", str(saved), "--key", str(out / "review-key.json"),
                    "--report", str(report_path), "--bootstrap", "100")
    assert result.exit_code == 0, result.output
    found = json.loads((tmp_path / "review.json").read_text())
    assert found["rated"] == len(items) - 1 and found["blank"] == 1
    assert found["agreement"]["rouge1"]["faithfulness"]["tau"] == 1.0
    assert found["agreement"]["rouge1"]["coverage"]["tau"] == -1.0
    assert found["agreement"]["rouge1"]["fluency"]["n"] == len(items) - 2
    noted = next(r for r in found["ratings"] if r["item"] == items[2])
    assert noted["errors"] == "=wrong year, \"1953\""


@pytest.mark.parametrize("report_text", ['{"summaries": {}}', "[1, 2]"])
def test_import_review_of_something_not_a_report_is_a_message(tmp_path: Path,
                                                              report_text: str) -> None:
    """A report without an eval set, or a JSON file that is no report at all: a message
    naming the file, not a KeyError traceback."""
    (tmp_path / "report.json").write_text(report_text, encoding="utf-8")
    (tmp_path / "key.json").write_text(json.dumps({"format": review.KEY_FORMAT, "items": {},
                                                   "eval_set_sha256": "x"}),
                                       encoding="utf-8")
    (tmp_path / "ratings.csv").write_text("item,faithful\n", encoding="utf-8")
    result = invoke("import-review", str(tmp_path / "ratings.csv"), "--key",
                    str(tmp_path / "key.json"), "--report", str(tmp_path / "report.json"))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "not a report" in result.output or "is not a report" in result.output
