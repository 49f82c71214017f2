"""One backend's measurements, in a process of its own (so its peak RSS is its own).

Run by ``service.bench.run`` as ``python -m service.bench.child CONFIG.json RESULT.json``.
Models load through the service's own loader, requests go over HTTP to the service's own
app factory, served by waitress in this process.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from service.engine import Engine, EngineWrapper, GenerationParams


class FixedLength(EngineWrapper):
    """Every backend writes exactly the same number of tokens: ``tokens`` per text, or the
    caller's max_new_tokens (a summary's budget) when ``tokens`` is None."""

    def __init__(self, inner: Engine, tokens: int | None) -> None:
        super().__init__(inner)
        self.tokens = tokens

    def generate(self, texts: Sequence[str], params: GenerationParams | None = None) -> list[str]:
        params = params or GenerationParams()
        n = self.tokens or params.max_new_tokens
        return self.inner.generate(texts, replace(params, min_new_tokens=n, max_new_tokens=n))


@dataclass(frozen=True)
class ChildConfig:
    name: str
    backend: str  # transformers | ctranslate2
    models: dict[str, str]  # role -> directory
    batching: bool
    batch_size: int
    beam_size: int
    translate_tokens: int  # output tokens per sentence, all backends alike
    seed_file: str
    translate_repeats: int
    summarize_repeats: int
    tokens_repeats: int
    clients: list[int]
    requests_per_client: int
    intra_threads: int


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _settings(cfg: ChildConfig) -> Any:
    from service.config import Settings

    env = {
        "RINGKAS_BACKEND": cfg.backend,
        "RINGKAS_BEAM_SIZE": str(cfg.beam_size),
        "RINGKAS_BATCHING": "1" if cfg.batching else "0",
        "RINGKAS_BATCH_SIZE": str(cfg.batch_size),
        "RINGKAS_STRATEGIES": "translate-summarise",
        "RINGKAS_INTRA_THREADS": str(cfg.intra_threads),
        # Every client waits its turn rather than being turned away or timed out: the
        # benchmark measures service time, not admission control.
        "RINGKAS_MAX_QUEUE": "64",
        "RINGKAS_REQUEST_TIMEOUT": "3600",
    }
    return Settings.from_env(env=env, model_overrides=cfg.models)


def _serve(app: Any) -> tuple[str, Any]:
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=16)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", server


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    # Nearest rank: with few samples p95 is the slowest one, as it should be.
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def measure(cfg: ChildConfig) -> dict[str, Any]:
    import requests

    from service.api import create_app
    from service.api.runtime import load_models
    from service.pipeline.chunking import fit_pieces
    from service.pipeline.translate import output_cap
    from service.text.clean import clean_article
    from service.text.segment import split_sentences

    rss_start = _rss_mb()
    settings = _settings(cfg)
    started = time.perf_counter()
    # As the service loads them (torch threads only for transformers roles: a CTranslate2
    # run's RSS holds no libtorch); the fixed-length wrapper goes on before the app's own.
    engines = load_models(settings, cfg.models)
    load_s = time.perf_counter() - started
    rss_loaded = _rss_mb()
    fixed: dict[str, Engine] = {
        role: FixedLength(e, None if role == "summarize" else cfg.translate_tokens)
        for role, e in engines.items()}

    seed = Path(cfg.seed_file).read_text(encoding="utf-8")
    cleaned = clean_article(seed)
    sentences = [s for p in cleaned.paragraphs for s in split_sentences(p, "id")]

    # Output tokens/s of the id->en model on the seed article's sentences, the way each
    # backend runs them: one at a time (naive) or in length-sorted batches.
    translator = fixed["translate_id_en"]
    # Pieces as the pipeline makes them (a sentence over the window is split).
    pieces = fit_pieces(translator, sentences, translator.max_input_tokens - 4)
    order = sorted(range(len(pieces)), key=lambda i: pieces[i].tokens)
    size = cfg.batch_size

    def translate_all() -> None:
        for start in range(0, len(order), size):
            batch = [pieces[i] for i in order[start:start + size]]
            longest = max(p.tokens for p in batch)
            translator.generate([p.text for p in batch],
                                GenerationParams(max_new_tokens=output_cap(longest)))

    translate_all()  # warm-up (first-call allocations)
    token_runs = [_timed(translate_all) for _ in range(cfg.tokens_repeats)]
    tokens_per_s = len(pieces) * cfg.translate_tokens / statistics.median(token_runs)

    app = create_app(settings, engines=fixed)
    base, server = _serve(app)
    session = requests.Session()

    def post(path: str, body: Mapping[str, Any], client: Any = session) -> dict[str, Any]:
        resp = client.post(base + path, json=body, timeout=3600)
        if resp.status_code != 200:
            raise RuntimeError(f"{path} answered {resp.status_code}: {resp.text[:300]}")
        out: dict[str, Any] = resp.json()
        return out

    translate_body = {"text": seed, "source": "id", "target": "en"}
    summarize_body = {"text": seed, "length": "medium"}
    post("/v1/translate", translate_body)  # warm-up through the whole stack
    translate_s = [_timed(lambda: post("/v1/translate", translate_body))
                   for _ in range(cfg.translate_repeats)]
    summaries: list[dict[str, Any]] = []
    summarize_s: list[float] = []
    for _ in range(cfg.summarize_repeats):
        t0 = time.perf_counter()
        summaries.append(post("/v1/summarize", summarize_body))
        summarize_s.append(time.perf_counter() - t0)
    last = summaries[-1]

    throughput: dict[str, dict[str, float]] = {}
    for clients in cfg.clients:
        # A lone client sends at least two requests: one is too noisy a baseline.
        each = max(2, cfg.requests_per_client) if clients == 1 else cfg.requests_per_client

        def client_loop(each: int = each) -> None:
            with requests.Session() as own:
                for _ in range(each):
                    post("/v1/translate", translate_body, own)

        threads = [threading.Thread(target=client_loop) for _ in range(clients)]
        cpu0, t0 = _cpu_s(), time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        done = clients * each
        throughput[str(clients)] = {
            "requests": done, "wall_s": round(wall, 3), "requests_per_s": round(done / wall, 4),
            # CPU seconds this process used per wall second: how many cores it kept busy.
            "cores_busy": round((_cpu_s() - cpu0) / wall, 2)}
    server.close()
    info = [e.info.to_json() for e in engines.values()]
    return {
        "name": cfg.name,
        "config": cfg.__dict__,
        "models": info,
        "load_s": round(load_s, 2),
        "sentences": len(sentences),
        "output_tokens_per_s": round(tokens_per_s, 2),
        "translate_latency_s": round(statistics.median(translate_s), 3),
        "translate_runs_s": [round(x, 3) for x in translate_s],
        "summarize_p50_s": round(_percentile(summarize_s, 50), 3),
        "summarize_p95_s": round(_percentile(summarize_s, 95), 3),
        "summarize_runs_s": [round(x, 3) for x in summarize_s],
        "summarize_stage_ms": last["timings_ms"],
        "summarize_warnings": sorted({w["code"] for w in last["warnings"]}),
        "throughput": throughput,
        "rss_start_mb": round(rss_start, 1),
        "rss_after_load_mb": round(rss_loaded, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }


def main(argv: Sequence[str]) -> int:
    cfg = ChildConfig(**json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    result = measure(cfg)
    Path(argv[1]).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
