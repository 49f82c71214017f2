"""``ringkas eval`` / ``python -m eval``: run strategies, score them, write the report, gate;
``ringkas eval export-for-review`` / ``import-review``: editors' ratings of the summaries
against the report's metrics (eval/review.py)."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import click

from service.commandline import for_a_person, friendly_errors, settings_options
from service.config import Settings
from service.pipeline.requests import DEFAULT_LENGTH
from service.runtime.assembly import build_pipeline

F = TypeVar("F", bound=Callable[..., Any])


def _only_without_subcommand(fn: F) -> F:
    """The group's own run happens only for a bare ``ringkas eval [OPTIONS]``: with a
    subcommand click calls the group first, and nothing of a run (its settings, models)
    may be made then. An option of the run given before a subcommand would be silently
    ignored, so it is refused instead."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        if ctx.invoked_subcommand is None:
            return fn(*args, **kwargs)
        given = [p.opts[0] for p in ctx.command.params
                 if ctx.get_parameter_source(p.name or "") is
                 click.core.ParameterSource.COMMANDLINE]
        if given:
            raise click.UsageError(f"{', '.join(given)} belong to `ringkas eval` itself, not "
                                   f"to {ctx.invoked_subcommand}: give the subcommand's "
                                   "options after its name")
        return None

    return wrapper  # type: ignore[return-value]


# A group that runs itself when given no subcommand: `ringkas eval --limit 2 ...` is the
# evaluation as it always was, and the review round trip lives beside it.
@click.group("eval", invoke_without_command=True)
@click.option("--strategy", "strategies", multiple=True,
              help="Strategy to evaluate (repeat). Default: every one the system offers.")
@click.option("--length", default=DEFAULT_LENGTH, show_default=True)
@click.option("--prompt", default=None, help="Prompt NAME[@vN] for the instruct strategy.")
@click.option("--task", type=click.Choice(["summary", "translation", "segmentation", "fidelity",
                                           "all"]),
              default="summary", show_default=True,
              help="segmentation and fidelity need no model: sentence boundaries against "
                   "NTREX-128; the fidelity check against planted errors.")
@click.option("--limit", type=int, default=0, help="At most N documents per set (0: all).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("artifacts/eval"), show_default=True)
@click.option("--baseline", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="A saved report.json to gate against: exit 1 on a regression, 3 when "
                   "the two were not measured the same way.")
@click.option("--tolerance", type=float, default=1.0, show_default=True,
              help="The smallest drop, in metric points, of a score that fails the gate "
                   "(when also significant at --level).")
@click.option("--level", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              default=0.05, show_default=True,
              help="Significance level a score's drop must reach to fail the gate.")
@click.option("--paired-test", type=click.Choice(["bs", "ar"]), default="bs",
              show_default=True,
              help="Against --baseline: paired bootstrap resampling (bs) or approximate "
                   "randomisation (ar), as sacrebleu's --paired-bs / --paired-ar.")
@click.option("--strict", is_flag=True,
              help="Refuse a baseline made with other models, decoding, prompts or "
                   "library versions (default: a notice).")
@click.option("--lsum-split", type=click.Choice(["ringkas", "nltk", "newline"]),
              default="ringkas", show_default=True,
              help="How ROUGE-Lsum finds sentences: ringkas's splitter, nltk's Punkt (the "
                   "split of published figures; needs its punkt_tab data) or the text's "
                   "own lines (rouge-score and Hugging Face evaluate on raw text).")
@click.option("--hypotheses", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="JSONL of {doc_id, summary[, strategy]} to score without running a model.")
@click.option("--service", "service_url", default=None,
              help="Evaluate a running ringkas at this URL instead of in-process.")
@click.option("--api-key", envvar="RINGKAS_API_KEY", default=None,
              help="API key for --service. [env RINGKAS_API_KEY]")
@click.option("--bootstrap", type=int, default=1000, show_default=True,
              help="Bootstrap resamples for confidence intervals (1: none).")
@click.option("--quiet", is_flag=True, help="No progress bars.")
@_only_without_subcommand
@friendly_errors
@settings_options
def eval_command(strategies: tuple[str, ...], length: str, prompt: str | None, task: str,
                 limit: int, out: Path, baseline: Path | None, tolerance: float, level: float,
                 paired_test: str, strict: bool, lsum_split: str, hypotheses: Path | None,
                 service_url: str | None, api_key: str | None, bootstrap: int, quiet: bool,
                 settings: Settings) -> None:
    """Score summaries (and translations) against the evaluation set; write report.json,
    report.md and report.png. The subcommands take the report's summaries to editors and
    their ratings back."""
    from eval import dataset, gate, report
    from eval.metrics import MetricSetupError, check_lsum_split
    from eval.run import evaluate_glossary, evaluate_summaries, evaluate_translation
    from eval.systems import Http, Hypotheses, InProcess, System

    try:
        check_lsum_split(lsum_split)
    except MetricSetupError as exc:
        raise click.UsageError(str(exc)) from None
    # A hypotheses file's summaries are as long as they are: no --length was asked of them.
    length_value: str | int | None = (None if hypotheses else
                                      int(length) if length.isdigit() else length)
    summary_docs = dataset.summary_set()
    if limit:
        summary_docs = summary_docs[:limit]
    files = dataset.eval_set_files()
    meta: dict[str, Any] = {
        "length": length_value,
        "eval_set": {"sha256": dataset.fingerprint(files), "files": len(files),
                     "summary_documents": len(summary_docs),
                     "limit": _effective_limit(task, limit)},
        "metrics": {"bootstrap": bootstrap, "lsum_split": lsum_split},
    }
    saved = None
    from eval.provenance import provenance

    meta["provenance"] = provenance({"task": task, "strategies": ",".join(strategies),
                                     "length": length_value, "prompt": prompt,
                                     "limit": limit, "bootstrap": bootstrap,
                                     "lsum_split": lsum_split})
    if baseline:  # a baseline measured otherwise is refused before minutes of work
        saved = _read_baseline(baseline)
        _comparable(gate.check_settings, meta, saved)
        if strict:
            _comparable(_same_versions, meta, saved)
        from eval.run import expected_signatures

        signatures = expected_signatures(summary_docs, bootstrap, lsum_split,
                                         summaries=task in {"summary", "all"},
                                         translation=task in {"translation", "all"})
        _comparable(lambda _, base: gate.check_signatures(signatures, base), meta, saved)
    system: System | None
    if hypotheses:
        try:
            system = Hypotheses(hypotheses)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        chosen = list(strategies) or system.strategies
        if task != "summary":
            raise click.UsageError("--hypotheses holds summaries: use --task summary")
    elif task in ("segmentation", "fidelity"):
        system, chosen = None, []
    elif service_url:
        system = Http(service_url, api_key=api_key)
        chosen = list(strategies) or _served_strategies(system)
    else:
        from service.pipeline.strategies import roles_needed

        chosen = list(strategies) or list(settings.features.strategies)
        pairs = [("id", "en")] if task in ("translation", "all") else []
        roles = roles_needed(chosen if task != "translation" else [], pairs=pairs)
        # The models' own translations: an approved suggestion exported as evaluation
        # material must not answer its own reference.
        system = InProcess(build_pipeline(settings, roles, human_translations=False))

    segmentation = {}
    if task in {"segmentation", "all"}:
        from eval.segmentation import evaluate as evaluate_segmentation

        segmentation = evaluate_segmentation(dataset.ntrex_documents()[: limit or None])
    fidelity = {}
    if task in {"fidelity", "all"}:
        from eval.fidelity import evaluate as evaluate_fidelity

        fidelity = evaluate_fidelity(dataset.ntrex_documents(), limit)
    summaries = {}
    if task in {"summary", "all"}:
        assert system is not None  # every task but segmentation and fidelity has one
        summaries = evaluate_summaries(summary_docs, system, chosen, length_value or
                                       DEFAULT_LENGTH, prompt, n_bootstrap=bootstrap,
                                       progress=not quiet, lsum_split=lsum_split)
    translation = {}
    if task in {"translation", "all"}:
        assert system is not None
        ntrex = dataset.ntrex_documents()[: limit or None]
        translation["ntrex-128"] = evaluate_translation(ntrex, system, bootstrap, not quiet)
        translation["ntrex-128+glossary"] = evaluate_glossary(ntrex, system,
                                                              translation["ntrex-128"],
                                                              not quiet)
        nusax = dataset.nusax("test")
        if limit:
            nusax = type(nusax)(nusax.doc_id, nusax.source[: limit * 10],
                                nusax.reference[: limit * 10])
        translation["nusax-mt"] = evaluate_translation([nusax], system, bootstrap, not quiet)

    meta["system"] = ((system.name if system is not None else "none") if not service_url
                      else f"http {service_url}")
    meta["provenance"]["settings"]["strategies"] = ",".join(chosen)
    if summaries:  # what each output is read beside, in the report and for later tests
        meta["references"] = {d.doc_id: list(d.references) for d in summary_docs}
    result = report.build(summaries, translation, meta, segmentation, fidelity)
    if saved is not None:
        refusal = None
        try:
            gate.check_comparable(result, saved)
        except gate.IncomparableReports as exc:
            refusal = f"gate: {exc}"
        noticed = gate.differences(result, saved)
        if noticed and strict and refusal is None:
            refusal = ("gate: --strict: the baseline was made otherwise:\n  "
                       + "\n  ".join(noticed))
        if refusal is not None:
            # What the run produced is kept (minutes of summarising), just not compared.
            for kind, path in report.write(result, out).items():
                click.echo(f"{kind}: {path}")
            click.echo(refusal, err=True)
            sys.exit(NOT_COMPARABLE)
        for line in noticed:
            click.echo(f"notice: {line} (compared anyway; --strict refuses)", err=True)
        from eval.significance import SEED, TEST_NAMES, compare_runs

        refs = {d.doc_id: d.references for d in summary_docs}
        result["significance"] = {"against": str(baseline), "level": level,
                                  "test": f"{TEST_NAMES[paired_test]}, seed {SEED}",
                                  "summaries": compare_runs(result, saved, refs,
                                                            test=paired_test)}
    for kind, path in report.write(result, out).items():
        click.echo(f"{kind}: {path}")
    click.echo(report.markdown(result))
    failed = sum(len(run.errors) for run in summaries.values())
    if failed:
        click.echo(f"warning: {failed} article(s) failed; see 'errors' in report.json",
                   err=True)
    if baseline and saved is not None:
        regressions = gate.compare(result, saved, tolerance,
                                   result["significance"]["summaries"], level)
        if regressions:
            click.echo(f"REGRESSION against {baseline} (tolerance {tolerance}, level "
                       f"{level}):", err=True)
            for r in regressions:
                click.echo(f"  {r}", err=True)
            sys.exit(1)
        click.echo(f"gate: passed against {baseline} (no count rose; no score dropped more "
                   f"than its minimum at p < {level})")


def _served_strategies(system: Any) -> list[str]:
    from service.client import ServiceError, TransportError

    try:
        served: list[str] = system.strategies()
    except (TransportError, ServiceError, KeyError) as exc:
        raise click.ClickException(f"no ringkas service answers at {system.client.base_url}: "
                                   f"{exc}") from None
    return served


def main() -> None:
    eval_command()


REPORT = Path("artifacts/eval/report.json")


def _load_json(path: Path, what: str) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"cannot read {what} {path}: {exc}") from None
    if not isinstance(found, dict):
        raise click.ClickException(f"{path} is not a {what}: it holds a JSON "
                                   f"{type(found).__name__}, not an object")
    return found


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a report.json cut short by an interrupted write would lose
    the run it records."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)


@eval_command.command("export-for-review")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, exists=True,
                                                         path_type=Path),
              default=REPORT, show_default=True, help="The report whose summaries to rate.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("artifacts/eval/review"), show_default=True,
              help="Folder for review.csv, review.html and review-key.json.")
@click.option("--strategy", "strategies", multiple=True,
              help="Strategy whose summaries to rate (repeat). Default: every one the report "
                   "has.")
@click.option("--limit", type=int, default=0,
              help="The first N articles (each under every strategy; 0: all).")
@click.option("--seed", type=int, default=None,
              help="Shuffle seed. [default: eval/review.py's SEED]")
@click.option("--force", is_flag=True, help="Replace a key of another sheet in --out.")
def export_for_review(report_path: Path, out: Path, strategies: tuple[str, ...], limit: int,
                      seed: int | None, force: bool) -> None:
    """Write a blind review sheet of the report's summaries beside their articles for editors
    to rate: review.html (open it in a browser) and review.csv for them, review-key.json
    (which strategy wrote what) for import-review."""
    from eval import dataset, review

    report = _load_json(report_path, "report")
    here = dataset.fingerprint(dataset.eval_set_files())
    if report.get("eval_set", {}).get("sha256") != here:
        # The articles come from this checkout, the summaries from the report: they must be
        # of one eval set or an editor rates a summary beside another article.
        raise click.ClickException(f"{report_path} was measured on eval set "
                                   f"{str(report.get('eval_set', {}).get('sha256'))[:16]}…, "
                                   f"this checkout has {here[:16]}…: its articles are not "
                                   "these")
    seed = review.SEED if seed is None else seed
    try:
        items = review.review_items(report, dataset.summary_set(), strategies, limit, seed)
    except review.ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    key = review.review_key(items, report, seed)
    key_path = out / "review-key.json"
    if key_path.is_file() and not force:
        old = _load_json(key_path, "key")
        if old.get("sheet") != key["sheet"]:
            raise click.ClickException(
                f"{key_path} is the key of sheet {old.get('sheet')}, which editors may be "
                f"rating; this export is sheet {key['sheet']}. Another --out, or --force")
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "review.csv", review.sheet_csv(items))
    _write(out / "review.html", review.sheet_html(items))
    _write(key_path, json.dumps(key, indent=2, ensure_ascii=False) + "\n")
    chosen = sorted({i.strategy for i in items})
    click.echo(f"sheet {key['sheet']}: {len(items)} summaries ({len(chosen)} strategies, "
               f"{len({i.doc_id for i in items})} articles), shuffled with seed {seed}")
    for name in ("review.html", "review.csv", "review-key.json"):
        click.echo(f"  {out / name}")
    click.echo(for_a_person("Give editors review.html (or review.csv), not the key; save "
                            f"their {review.RATINGS_FILE} as {out / review.RATINGS_FILE}, "
                            f"then `ringkas eval import-review {out / review.RATINGS_FILE} "
                            f"--key {key_path} --report {report_path}`"))


@eval_command.command("import-review")
@click.argument("ratings", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--key", "key_path", required=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The review-key.json export-for-review wrote with the sheet.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, exists=True,
                                                         path_type=Path),
              default=REPORT, show_default=True)
@click.option("--bootstrap", type=int, default=1000, show_default=True,
              help="Bootstrap resamples for the tau intervals (1: none).")
def import_review(ratings: Path, key_path: Path, report_path: Path, bootstrap: int) -> None:
    """Read editors' ratings (the CSV review.html downloads, or review.csv filled in) and
    set them beside the report's metrics: review.json next to the report, the report's
    `review`, and an "Editors' ratings" section in its report.md."""
    from eval import report as report_module
    from eval import review

    report = _load_json(report_path, "report")
    key = _load_json(key_path, "key")
    try:
        text = ratings.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{ratings} is not UTF-8 text (save it as CSV UTF-8)") \
            from None
    try:
        review.check_key(key, report)
        read = review.read_ratings(text, key, ratings.name)
    except review.ReviewError as exc:
        raise click.ClickException(str(exc)) from None
    analysis = review.analyse(read, report, bootstrap)
    result = review.review_json(read, analysis, key, bootstrap, source=ratings.name)
    folder = report_path.parent
    _write(folder / "review.json", json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    report["review"] = {k: v for k, v in result.items() if k != "ratings"}
    _write(report_path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    markdown = report_module.markdown(report)
    _write(folder / "report.md", markdown)
    click.echo(f"{len(read.rated)} of {read.items} items rated; {read.blank} blank rows "
               "skipped")
    for path in (folder / "review.json", report_path, folder / "report.md"):
        click.echo(f"  {path}")
    click.echo("\n".join(report_module.review_section(report["review"])))


NOT_COMPARABLE = 3  # the gate's own exit code: 1 is a regression, 2 a usage error


def _effective_limit(task: str, limit: int) -> int:
    """--limit as what it kept: 0 where it cut none of the task's collections (--limit 50
    on the 13 summary articles is all of them, and compares with a run of no limit)."""
    if limit <= 0:
        return 0
    from eval import dataset
    from eval.fidelity import load_planted

    sizes = {"summary": [len(dataset.summary_set())]}
    if task in {"translation", "segmentation", "all"}:
        # (NusaX keeps 10 lines an article of the limit)
        sizes[task] = [len(dataset.ntrex_documents()),
                       -(-len(dataset.nusax("test").source) // 10)]
    if task in {"fidelity", "all"}:
        sizes.setdefault(task, []).append(len(load_planted().documents))
    if task == "all":
        sizes[task].extend(sizes["summary"])
    return limit if limit < max(sizes.get(task, sizes["summary"])) else 0


def _read_baseline(path: Path) -> dict[str, Any]:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.UsageError(f"--baseline {path} is not a report.json: {exc}") from None
    if not isinstance(saved, dict):
        raise click.UsageError(f"--baseline {path} is not a report.json")
    return saved


def _same_versions(current: Mapping[str, Any], saved: Mapping[str, Any]) -> None:
    """--strict, before the run: the library versions (models are known after it)."""
    from eval import gate

    said = [line for line in gate.differences(current, saved) if line.startswith("version")]
    if said:
        raise gate.IncomparableReports("--strict: " + "; ".join(said))


def _comparable(check: Any, current: Mapping[str, Any], saved: Mapping[str, Any]) -> None:
    from eval import gate

    try:
        check(current, saved)
    except gate.IncomparableReports as exc:
        click.echo(f"gate: {exc}", err=True)
        sys.exit(NOT_COMPARABLE)
