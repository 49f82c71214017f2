"""Build the models, run each backend in its own process, write JSON and a Markdown table."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from service.bench.child import ChildConfig
from service.bench.shapes import SHAPES, Shape, build, corpus_lines, is_built

# Where this `service` package is imported from (a checkout, site-packages): the children
# must run the same code.
IMPORT_ROOT = Path(__file__).resolve().parent.parent.parent
SEED = "000_d67792ced336d87c.txt"  # of service/seeds/


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
    "c": Backend("c", "CTranslate2 int8 batched", "ctranslate2", True, 16),
}


@dataclass(frozen=True)
class BenchOptions:
    out: Path
    work: Path
    shapes: str = "published"
    quick: bool = False
    backends: tuple[str, ...] = ("a", "b", "c")
    clients: tuple[int, ...] = (1, 4, 8)
    beam_size: int = 4
    translate_tokens: int = 32
    intra_threads: int = 0


def _models(opts: BenchOptions, say: Callable[[str], None]) -> dict[str, dict[str, str]]:
    """Per backend kind, role -> directory (transformers dirs, and their int8 conversions)."""
    from service.engine.convert import convert, is_ct2_dir
    from service.models import LOCAL_REVISION, ModelSpec

    marian, bart = SHAPES[opts.shapes]
    lines: list[str] | None = None
    dirs: dict[Shape, Path] = {}
    for shape in (marian, bart):
        target = opts.work / shape.name
        if not is_built(shape, target):
            say(f"building random-weight {shape.name} (d_model {shape.d_model}, "
                f"{shape.encoder_layers}+{shape.decoder_layers} layers, vocab {shape.vocab})")
            lines = lines or corpus_lines()
        dirs[shape] = build(shape, target, lines or [])
    hf = {"translate_id_en": dirs[marian], "translate_en_id": dirs[marian],
          "summarize": dirs[bart]}
    ct2: dict[str, str] = {}
    if "c" in opts.backends:
        for shape in (marian, bart):
            target = opts.work / f"{shape.name}-ct2-int8"
            if not is_ct2_dir(target) or _older(target, dirs[shape]):
                say(f"converting {shape.name} to CTranslate2 int8")
                convert(ModelSpec("bench", str(dirs[shape]), LOCAL_REVISION), target, "int8",
                        force=True)
        ct2 = {role: str(opts.work / f"{Path(d).name}-ct2-int8") for role, d in hf.items()}
    return {"transformers": {r: str(d) for r, d in hf.items()}, "ctranslate2": ct2}


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
    import ctranslate2
    import torch
    import transformers

    return {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "platform": platform.platform(),
            "python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "ctranslate2": ctranslate2.__version__}


def run_child(cfg: ChildConfig, timeout_s: float = 7200) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ringkas-bench-") as tmp:
        cfg_path, out_path = Path(tmp, "config.json"), Path(tmp, "result.json")
        cfg_path.write_text(json.dumps(asdict(cfg)), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(IMPORT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
               "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        proc = subprocess.run([sys.executable, "-m", "service.bench.child", str(cfg_path),
                               str(out_path)], env=env, capture_output=True, text=True,
                              timeout=timeout_s)
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark child {cfg.name} failed:\n{proc.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
        return result


def _run_backend(opts: BenchOptions, key: str, models: dict[str, dict[str, str]],
                 seed_file: Path, say: Callable[[str], None]) -> dict[str, Any]:
    b = BACKENDS[key]
    say(f"({key}) {b.label} ...")
    cfg = ChildConfig(
        name=key, backend=b.backend, models=models[b.backend], batching=b.batching,
        batch_size=b.batch_size, beam_size=opts.beam_size,
        translate_tokens=opts.translate_tokens, seed_file=str(seed_file),
        translate_repeats=1 if opts.quick else 3,
        summarize_repeats=2 if opts.quick else 5,
        tokens_repeats=1 if opts.quick else 2,
        clients=list(opts.clients), requests_per_client=1 if opts.quick else 2,
        intra_threads=opts.intra_threads)
    result = run_child(cfg)
    say(f"({key}) done: {result['output_tokens_per_s']} output tokens/s, "
        f"summarise p50 {result['summarize_p50_s']} s, peak RSS {result['peak_rss_mb']} MB")
    return result


def run(opts: BenchOptions, say: Callable[[str], None] = print) -> dict[str, Any]:
    opts.out.mkdir(parents=True, exist_ok=True)
    opts.work.mkdir(parents=True, exist_ok=True)
    models = _models(opts, say)
    load_before = os.getloadavg()
    started = time.time()
    results: dict[str, Any] = {}
    # The children read the article from a file: a real one even where the package is not.
    with resources.as_file(resources.files("service.seeds") / SEED) as seed_file:
        for key in opts.backends:
            results[key] = _run_backend(opts, key, models, seed_file, say)
    report = {
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime(started)),
        "duration_s": round(time.time() - started, 1),
        "machine": _machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(opts).items()},
        "shapes": [asdict(s) for s in SHAPES[opts.shapes]],
        "backends": {k: asdict(BACKENDS[k]) for k in opts.backends},
        "results": results,
        "ratios": ratios(results, opts.clients),
    }
    report["targets"] = targets(report)
    (opts.out / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (opts.out / "bench.md").write_text(markdown(report), encoding="utf-8")
    return report


def ratios(results: dict[str, Any], clients: Sequence[int]) -> dict[str, dict[str, float]]:
    """Each backend against the naive baseline (a), larger is better for every ratio; and
    each backend's throughput at the most clients against its own single client."""
    out: dict[str, dict[str, float]] = {}
    base = results.get("a")
    most, one = str(max(clients)), str(min(clients))
    for key, r in results.items():
        row: dict[str, float] = {}
        if base is not None:
            row["output_tokens_per_s"] = r["output_tokens_per_s"] / base["output_tokens_per_s"]
            row["translate_speedup"] = base["translate_latency_s"] / r["translate_latency_s"]
            row["summarize_p50_speedup"] = base["summarize_p50_s"] / r["summarize_p50_s"]
            row[f"throughput_{most}_clients"] = (r["throughput"][most]["requests_per_s"]
                                                 / base["throughput"][most]["requests_per_s"])
            row["peak_rss"] = r["peak_rss_mb"] / base["peak_rss_mb"]
        row["scaling"] = (r["throughput"][most]["requests_per_s"]
                          / r["throughput"][one]["requests_per_s"])
        out[key] = {k: round(v, 2) for k, v in row.items()}
    return out


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The performance targets, judged on the CTranslate2 int8 backend (c) against (a)."""
    results, rat = report["results"], report["ratios"]
    if "c" not in results:
        return []
    c = results["c"]
    most = str(max(int(k) for k in c["throughput"]))
    checks = [
        ("seed-article translation >= 10x the naive baseline",
         rat["c"].get("translate_speedup"), 10.0, "ge"),
        ("full summarise request p50 <= 2.5 s", c["summarize_p50_s"], 2.5, "le"),
        (f"throughput at {most} clients >= 3x a single client", rat["c"]["scaling"], 3.0, "ge"),
        ("peak RSS of the default model set <= 1.2 GB (CT2 int8)", c["peak_rss_mb"] / 1024,
         1.2, "le"),
    ]
    out = []
    for name, value, bound, how in checks:
        met = None if value is None else (value >= bound if how == "ge" else value <= bound)
        out.append({"target": name, "value": None if value is None else round(value, 2),
                    "met": met})
    return out


def _x(value: float | None) -> str:
    return "" if value is None else f" ({value:.2f}×)"


def markdown(report: dict[str, Any]) -> str:
    results, rat = report["results"], report["ratios"]
    keys = list(results)
    head = "| | " + " | ".join(f"({k}) {BACKENDS[k].label}" for k in keys) + " |"
    lines = [head, "|---" * (len(keys) + 1) + "|"]

    def row(name: str, cell: Callable[[str], str]) -> None:
        lines.append(f"| {name} | " + " | ".join(cell(k) for k in keys) + " |")

    row("output tokens/s (id→en, seed sentences)",
        lambda k: f"{results[k]['output_tokens_per_s']:.1f}"
        + _x(rat[k].get("output_tokens_per_s")))
    row("seed-article translate latency, s", lambda k: f"{results[k]['translate_latency_s']:.2f}"
        + _x(rat[k].get("translate_speedup")))
    row("summarise request p50, s", lambda k: f"{results[k]['summarize_p50_s']:.2f}"
        + _x(rat[k].get("summarize_p50_speedup")))
    row("summarise request p95, s", lambda k: f"{results[k]['summarize_p95_s']:.2f}")
    clients = list(results[keys[0]]["throughput"])
    for n in clients:
        def rate(k: str, n: str = n) -> str:
            ratio = _x(rat[k].get(f"throughput_{n}_clients")) if n == clients[-1] else ""
            return f"{results[k]['throughput'][n]['requests_per_s']:.3f}{ratio}"

        row(f"throughput, {n} client(s), translate req/s", rate)
    row(f"scaling {clients[-1]} vs {clients[0]} client(s)", lambda k: f"{rat[k]['scaling']:.2f}×")
    row("cores busy, 1 client / most clients", lambda k: " / ".join(
        f"{results[k]['throughput'][n].get('cores_busy', 0):.2f}" for n in (clients[0],
                                                                          clients[-1])))
    row("peak RSS, MB (3 models)", lambda k: f"{results[k]['peak_rss_mb']:.0f}"
        + _x(rat[k].get("peak_rss")))
    row("model load, s", lambda k: f"{results[k]['load_s']:.1f}")
    m = report["machine"]
    text = [
        f"ringkas bench, {report['date_utc']} UTC, {m['cores']} cores ({m['cpu']}), "
        f"torch {m['torch']}, transformers {m['transformers']}, ctranslate2 {m['ctranslate2']}; "
        f"load average before {report['load_average_before']}, after "
        f"{report['load_average_after']}; shapes: {report['options']['shapes']}"
        f"{', quick' if report['options']['quick'] else ''}; beam "
        f"{report['options']['beam_size']}, {report['options']['translate_tokens']} output "
        "tokens per sentence and the summary's full budget on every backend. Ratios in "
        "parentheses are against (a); for latencies they are speed-ups (a / x).",
        "",
        *lines,
        "",
    ]
    if report.get("targets"):
        text += ["| target | measured (c) | met |", "|---|---|---|"]
        for t in report["targets"]:
            met = "n/a" if t["met"] is None else ("yes" if t["met"] else "no")
            text.append(f"| {t['target']} | {t['value']} | {met} |")
        text.append("")
    return "\n".join(text)
