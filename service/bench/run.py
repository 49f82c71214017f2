"""Build the models, run each backend in its own process, write JSON and a Markdown table."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from service.bench.child import ChildConfig
from service.bench.shapes import (
    NO_LOSS_BEAMS,
    SHAPES,
    SUMMARISER_CARD,
    SUMMARISERS,
    Shape,
    build,
    corpus_lines,
    is_built,
    summariser_variant,
)
from service.bench.timing import ratio
from service.errors import RingkasError
from service.seeds import article

# Where this `service` package is imported from (a checkout, site-packages): the children
# must run the same code.
IMPORT_ROOT = Path(__file__).resolve().parent.parent.parent
SEED = "000_d67792ced336d87c.txt"  # of seeds/
ROLES = ("translate_id_en", "translate_en_id", "summarize")
# Busier than this (1-minute load average per core) and the figures measure the neighbours.
MAX_LOAD_PER_CORE = 0.5
# distilbart-cnn's published range is 56..142 decoder tokens (141 new); a typical summary is
# CNN/DailyMail's reference length, 56 words on average (See et al. 2017, "Get To The
# Point", section 4), at 0.75 English words per byte-level BPE token (OpenAI's tokenizer
# guide, for GPT-2's BPE, which BART's is): 75 tokens.
SUMMARY_TOKENS = {"full": 141, "typical": 75}
TARGETS_S = {"full": 5.0, "typical": 2.5}


class MachineBusy(RingkasError):
    default_code = "machine_busy"


@dataclass(frozen=True)
class Backend:
    key: str
    label: str
    backend: str
    batching: bool
    batch_size: int


BACKENDS = {
    "a": Backend("a", "naive: transformers, one sentence at a time, fp32", "transformers",
                 False, 1),
    "b": Backend("b", "transformers batched, fp32", "transformers", True, 16),
    "c": Backend("c", "CTranslate2 int8 batched (the default)", "ctranslate2", True, 16),
}


@dataclass(frozen=True)
class BenchOptions:
    out: Path
    work: Path
    shapes: str = "published"
    quick: bool = False
    backends: tuple[str, ...] = ("c",)
    summarisers: tuple[str, ...] = ("12-6",)  # CTranslate2 runs of these summarisers too
    clients: tuple[int, ...] = (1, 4, 8)
    beam_size: int | None = None  # None: each role's own decoding
    translate_tokens: int = 0  # 0: the seed's mean sentence length
    intra_threads: int = 0  # 0: chosen (service/engine/threads.py)
    inter_threads: int = 0
    force: bool = False

    @property
    def repeats(self) -> int:
        return 3 if self.quick else 7

    @property
    def requests_per_client(self) -> int:
        return 4 if self.quick else 12


def check_load(force: bool, say: Callable[[str], None]) -> tuple[float, float, float]:
    """The load average now; refuses a busy machine unless ``force``."""
    load = os.getloadavg()
    cores = len(os.sched_getaffinity(0))
    if load[0] > MAX_LOAD_PER_CORE * cores:
        message = (f"the 1-minute load average is {load[0]:.2f} on {cores} cores (over "
                   f"{MAX_LOAD_PER_CORE} per core): other work would be measured too; wait "
                   "for an idle machine, or pass --force and read the CPU-second columns")
        if not force:
            raise MachineBusy(message)
        say(f"warning: {message}")
    return load


def _shapes(opts: BenchOptions) -> dict[str, Shape]:
    """Role (or ``summarize:<variant>``) -> the shape to build."""
    shapes = dict(zip(ROLES, SHAPES[opts.shapes], strict=True))
    if opts.shapes == "published":
        for variant in opts.summarisers:
            name, _ = summariser_variant(variant)
            if name != "12-6":
                shapes[f"summarize:{name}"] = SUMMARISERS[name]
    return shapes


def _models(opts: BenchOptions, say: Callable[[str], None]) -> dict[str, dict[str, str]]:
    """Per backend, role -> directory (transformers dirs, and their int8 conversions)."""
    from service.engine.convert import convert, is_ct2_dir
    from service.models import LOCAL_REVISION, ModelSpec

    lines: list[str] | None = None
    dirs: dict[str, Path] = {}
    for role, shape in _shapes(opts).items():
        target = opts.work / shape.name
        if not is_built(shape, target):
            say(f"building random-weight {shape.name} (the published shape of {shape.role}"
                f"{', ' + shape.note if shape.note else ''})")
            lines = lines or corpus_lines()
        dirs[role] = build(shape, target, lines or [])
    ct2: dict[str, str] = {}
    if "c" in opts.backends or len(dirs) > len(ROLES):
        for role, source in dirs.items():
            target = opts.work / f"{source.name}-ct2-int8"
            if not is_ct2_dir(target) or _older(target, source):
                say(f"converting {source.name} to CTranslate2 int8")
                convert(ModelSpec("bench", str(source), LOCAL_REVISION), target, "int8",
                        force=True)
            ct2[role] = str(target)
    return {"transformers": {r: str(d) for r, d in dirs.items()}, "ctranslate2": ct2}


def _older(converted: Path, source: Path) -> bool:
    return (converted / "model.bin").stat().st_mtime < (source / ".complete").stat().st_mtime


def _machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import transformers

    from service.engine.openmp import import_ctranslate2

    ctranslate2 = import_ctranslate2()

    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "platform": platform.platform(),
            "python": platform.python_version(), "transformers": transformers.__version__,
            "ctranslate2": ctranslate2.__version__}


def _commit() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(IMPORT_ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def run_child(cfg: ChildConfig, timeout_s: float = 3600) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ringkas-bench-") as tmp:
        cfg_path, out_path = Path(tmp, "config.json"), Path(tmp, "result.json")
        cfg_path.write_text(json.dumps(asdict(cfg)), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(IMPORT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
               "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
               "RINGKAS_DATA_DIR": str(Path(tmp, "data"))}
        proc = subprocess.run([sys.executable, "-m", "service.bench.child", str(cfg_path),
                               str(out_path)], env=env, capture_output=True, text=True,
                              timeout=timeout_s)
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark child {cfg.name} failed:\n{proc.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
        return result


def published_quality(variant: str) -> str:
    """ROUGE-2 / ROUGE-L from the model card (at beam 4), where a published figure covers the
    variant's beam: its own, or one from its author's list up to 4."""
    name, beam = summariser_variant(variant)
    r2, rl, _ = SUMMARISER_CARD[name]
    if beam is None or beam == 4:
        return f"{r2} / {rl}"
    if NO_LOSS_BEAMS[name] <= beam < 4:
        return f"as beam 4 (ROUGE-2 {r2})"
    return "not published"


def _label(variant: str) -> str:
    name, beam = summariser_variant(variant)
    return f"distilbart-cnn-{name}" + (f" at beam {beam}" if beam else "")


def _child(opts: BenchOptions, name: str, b: Backend, models: dict[str, str],
           seed_file: Path, *, summaries_only: bool = False,
           summary_beam: int | None = None) -> ChildConfig:
    return ChildConfig(
        name=name, backend=b.backend, models=models, batching=b.batching,
        batch_size=b.batch_size, beam_size=opts.beam_size,
        translate_tokens=opts.translate_tokens, summary_tokens=dict(SUMMARY_TOKENS),
        seed_file=str(seed_file), repeats=opts.repeats,
        clients=[] if summaries_only else list(opts.clients),
        requests_per_client=opts.requests_per_client, intra_threads=opts.intra_threads,
        inter_threads=opts.inter_threads, summaries_only=summaries_only,
        summary_beam=summary_beam)


def _loads() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(opts: BenchOptions, say: Callable[[str], None] = print) -> dict[str, Any]:
    load_before = check_load(opts.force, say)
    started = time.time()
    opts.out.mkdir(parents=True, exist_ok=True)
    opts.work.mkdir(parents=True, exist_ok=True)
    models = _models(opts, say)
    build_s = time.time() - started
    results: dict[str, Any] = {}
    # The children read the article from a file: a real one even where the package is not.
    with resources.as_file(article(SEED)) as seed_file:
        for key in opts.backends:
            b = BACKENDS[key]
            say(f"({key}) {b.label} ...")
            before = _loads()
            role_dirs = {r: models[b.backend][r] for r in ROLES}
            result = run_child(_child(opts, key, b, role_dirs, seed_file))
            result["load_average"] = {"before": before, "after": _loads()}
            results[key] = result
            say(f"({key}) done: summary p50 {result['summarize']['full']['p50_s']} s full, "
                f"{result['summarize']['typical']['p50_s']} s typical; peak RSS "
                f"{result['peak_rss_mb']} MB")
        ct2 = models["ctranslate2"]
        for variant in opts.summarisers:
            name, beam = summariser_variant(variant)
            role = "summarize" if name == "12-6" else f"summarize:{name}"
            if variant == "12-6" or role not in ct2:
                continue
            say(f"(c, {_label(variant)}) summaries ...")
            role_dirs = {**{r: ct2[r] for r in ROLES}, "summarize": ct2[role]}
            before = _loads()
            result = run_child(_child(opts, f"c:{variant}", BACKENDS["c"], role_dirs, seed_file,
                                      summaries_only=True, summary_beam=beam))
            result["load_average"] = {"before": before, "after": _loads()}
            results[f"c:{variant}"] = result
    report: dict[str, Any] = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime(started)),
        "commit": _commit(),
        "duration_s": round(time.time() - started, 1),
        "build_s": round(build_s, 1),
        "machine": _machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": _loads(),
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(opts).items()},
        "summary_tokens": SUMMARY_TOKENS,
        "shapes": {role: asdict(s) for role, s in _shapes(opts).items()},
        "backends": {k: asdict(BACKENDS[k]) for k in opts.backends},
        "results": results,
    }
    report["targets"] = targets(report)
    (opts.out / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (opts.out / "bench.md").write_text(markdown(report), encoding="utf-8")
    return report


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The performance targets, judged on the default backend (c)."""
    results = report["results"]
    if "c" not in results:
        return []
    c = results["c"]
    scaling = _scaling(c)
    most = max(int(k) for k in c["throughput"]) if c["throughput"] else 0
    limit_min = 10 if report["options"]["quick"] else 45
    checks: list[tuple[str, float | None, float, str]] = [
        ("/v1/translate of the seed within 1.15x of raw translate_batch (wall)",
         c["translate"].get("service_vs_engine_wall"), 1.15, "le"),
        *((f"/v1/summarize p50 at the {label} length ({SUMMARY_TOKENS[label]} tokens) "
           f"<= {TARGETS_S[label]:g} s", c["summarize"][label]["p50_s"], TARGETS_S[label], "le")
          for label in SUMMARY_TOKENS),
        (f"{most} clients >= 3x one client's requests/s", scaling, 3.0, "ge"),
        ("peak RSS of the default three-model set <= 1.0 GB", c["peak_rss_mb"] / 1024, 1.0,
         "le"),
        ("torch never imported by the serving process", float(c["torch_imported"]), 0.0, "le"),
        *_repeat_checks(c.get("repeats")),
        (f"the whole run <= {limit_min} min", report["duration_s"] / 60, float(limit_min),
         "le"),
    ]
    out = []
    for name, value, bound, how in checks:
        met = None if value is None else (value >= bound if how == "ge" else value <= bound)
        out.append({"target": name, "value": None if value is None else round(value, 2),
                    "met": met})
    return out


def _repeat_checks(rep: dict[str, Any] | None) -> list[tuple[str, float | None, float, str]]:
    if not rep:
        return []
    ratios = rep["ratios_cpu"]
    return [
        ("identical repeat of the seed summary: p50 <= 20 ms", rep["identical"]["p50_s"] * 1000,
         20.0, "le"),
        ("the seed with a sentence changed and one added: summary <= 60% of cold CPU-s",
         ratios["updated_summary"], 0.6, "le"),
        ("the same: /v1/translate <= 15% of cold CPU-s", ratios["updated_translate"], 0.15,
         "le"),
        ("English summary, Indonesian summary, full translation: <= 70% of cold CPU-s",
         ratios["desk"], 0.7, "le"),
        ("first streamed event <= 100 ms after the request",
         rep["stream"]["first_event_s"] * 1000, 100.0, "le"),
        ("first streamed translated text <= 1.2 s", rep["stream"]["first_translation_s"], 1.2,
         "le"),
    ]


def _repeats_markdown(results: dict[str, Any]) -> list[str]:
    rep = (results.get("c") or {}).get("repeats")
    if not rep:
        return []
    cold, ratios = rep["cold"], rep["ratios_cpu"]

    def wc(row: dict[str, Any]) -> str:
        return f"{row['wall_s']:.3f} / {row['cpu_s']:.3f} s"

    ident = rep["identical"]
    return [
        "", "Repeated and updated work, (c), against the cold case (memory and result cache "
        "off) in the same run, wall / CPU seconds (medians):", "",
        "| case | cold | with the memory | CPU ratio |", "|---|---|---|---|",
        f"| the seed summary re-sent identical (p50 of {ident['requests']}) | "
        f"{wc(cold['summary'])} | {ident['p50_s']:.4f} / {ident['cpu_s']:.4f} s | "
        f"{ratio(ident['cpu_s'], cold['summary']['cpu_s'])} |",
        f"| summary of the seed with a sentence changed and one added | "
        f"{wc(cold['summary_updated'])} | {wc(rep['updated_summary'])} | "
        f"{ratios['updated_summary']} |",
        f"| /v1/translate of it | {wc(cold['translate_updated'])} | "
        f"{wc(rep['updated_translate'])} | {ratios['updated_translate']} |",
        f"| English summary, Indonesian summary, full translation | {wc(cold['desk'])} | "
        f"{wc(rep['desk'])} | {ratios['desk']} |",
        "", f"Streamed summary of the seed (cold): first event "
        f"{rep['stream']['first_event_s'] * 1000:.1f} ms, first translated sentences "
        f"{rep['stream']['first_translation_s']:.2f} s, the answer "
        f"{rep['stream']['result_s']:.2f} s after the request.",
    ]


def _scaling(r: dict[str, Any]) -> float | None:
    tp = r.get("throughput") or {}
    if len(tp) < 2:
        return None
    keys = sorted(tp, key=int)
    return float(tp[keys[-1]]["requests_per_s"] / tp[keys[0]]["requests_per_s"])


def _per_sentence(report: dict[str, Any]) -> str:
    if report["options"]["translate_tokens"]:
        return str(report["options"]["translate_tokens"])
    seen = {r["translate"]["tokens_per_sentence"] for r in report["results"].values()}
    return f"{'/'.join(map(str, sorted(seen)))} (the seed's mean sentence length)"


def _threads(report: dict[str, Any]) -> str:
    from service.engine.threads import ct2_threads

    opts, cores = report["options"], report["machine"]["cores"]
    inter, intra = opts.get("inter_threads", 0), opts.get("intra_threads", 0)
    sentences = ct2_threads(inter, intra, cores)
    whole = ct2_threads(inter, intra, cores, whole_texts=True)
    return (f"translation {sentences.describe()}, summary {whole.describe()}"
            if whole != sentences else sentences.describe())


def markdown(report: dict[str, Any]) -> str:
    results = report["results"]
    m = report["machine"]
    beam = report["options"]["beam_size"]
    lines = [
        f"ringkas bench{' --quick' if report['options']['quick'] else ''}, "
        f"{report['date_utc']} UTC, commit {report['commit'] or 'unknown'}, {m['cores']} cores; "
        f"load average {report['load_average_before']} before, "
        f"{report['load_average_after']} after; {report['duration_s'] / 60:.1f} min "
        f"({report['build_s']:.0f} s building models). Random weights, published shapes "
        f"({report['options']['shapes']}); each role's own decoding"
        f"{'' if beam is None else f', beam {beam}'}"
        f"; {_per_sentence(report)} output tokens per sentence and "
        f"{SUMMARY_TOKENS['full']} (full) or {SUMMARY_TOKENS['typical']} (typical) per summary, "
        f"forced on every backend. CTranslate2 threads per model: {_threads(report)}. "
        "Times are medians: wall / CPU seconds.",
        "",
        "| backend | seed translate | raw translate_batch | ratio | summary full p50 | "
        "summary typical p50 | CPU-s / 1k tokens (summary) | peak RSS MB | torch |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, r in results.items():
        label = (BACKENDS[key].label if key in BACKENDS
                 else f"CTranslate2 int8, {_label(key.split(':', 1)[1])}")
        tr = r.get("translate") or {}
        eng = tr.get("engine")
        s = r["summarize"]

        def wc(row: dict[str, Any] | None) -> str:
            return "" if not row else f"{row['wall_s']:.2f} / {row['cpu_s']:.2f} s"

        lines.append(
            f"| ({key}) {label} | {wc(tr.get('service'))} | {wc(eng)} | "
            f"{tr.get('service_vs_engine_wall', '')} | {s['full']['p50_s']:.2f} / "
            f"{s['full']['cpu_s']:.2f} s | {s['typical']['p50_s']:.2f} / "
            f"{s['typical']['cpu_s']:.2f} s | {s['full']['cpu_s_per_1k_tokens']:.2f} | "
            f"{r['peak_rss_mb']:.0f} | {'yes' if r['torch_imported'] else 'no'} |")
    with_tp = {k: r for k, r in results.items() if r.get("throughput")}
    if with_tp:
        lines += ["", "One-sentence requests on /translate (LibreTranslate's route):", "",
                  "| backend | clients | requests/s | CPU-s / request | cores busy | scaling |",
                  "|---|---|---|---|---|---|"]
        for key, r in with_tp.items():
            tp = r["throughput"]
            one = tp[min(tp, key=int)]["requests_per_s"]
            for n, row in tp.items():
                lines.append(f"| ({key}) | {n} | {row['requests_per_s']:.2f} | "
                             f"{row['cpu_s_per_request']:.3f} | {row['cores_busy']:.2f} | "
                             f"{row['requests_per_s'] / one:.2f}x |")
    variants = [k for k in results if k.startswith("c:") or k == "c"]
    if len(variants) > 1:
        lines += ["", "Summarisers on CTranslate2 int8 (ROUGE-2 / ROUGE-L on CNN/DailyMail "
                  "from the distilbart model card, at each model's own beam 4; at the smaller "
                  "beams shown, the models' author reports no harm to ROUGE-2):", "",
                  "| summariser | ROUGE-2 / L | full p50 | typical p50 | CPU-s full / typical |",
                  "|---|---|---|---|---|"]
        for key in variants:
            variant = key.split(":", 1)[1] if ":" in key else "12-6"
            quality = published_quality(variant)
            s = results[key]["summarize"]
            lines.append(f"| {_label(variant)} | {quality} | {s['full']['p50_s']:.2f} s | "
                         f"{s['typical']['p50_s']:.2f} s | {s['full']['cpu_s']:.2f} / "
                         f"{s['typical']['cpu_s']:.2f} |")
    lines += _repeats_markdown(results)
    if report.get("targets"):
        lines += ["", "| target | measured | met |", "|---|---|---|"]
        for t in report["targets"]:
            met = "n/a" if t["met"] is None else ("yes" if t["met"] else "no")
            lines.append(f"| {t['target']} | {t['value']} | {met} |")
    lines.append("")
    return "\n".join(lines)
