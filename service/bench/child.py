"""One backend's measurements, in a process of its own (so its peak RSS is its own).

Run by ``service.bench.run`` as ``python -m service.bench.child CONFIG.json RESULT.json``.
Models load through the service's own loader, requests go over HTTP to the service's own
app factory, served by waitress in this process. Every figure comes with the CPU seconds
the process spent on it: on a shared machine they move far less than wall time.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from service.bench.timing import Timing, cpu_s, ratio, timed
from service.engine import Engine, EngineWrapper, GenerationParams


class FixedLength(EngineWrapper):
    """Every backend writes exactly the same number of tokens: ``tokens`` per text (the
    benchmark changes it between runs), or the caller's max_new_tokens when it is None."""

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
    beam_size: int | None  # None: each role's own (published) decoding
    # Output tokens per sentence, all backends alike; 0: the seed's mean sentence length in
    # source tokens (an English sentence is about as long as its Indonesian source).
    translate_tokens: int
    summary_tokens: dict[str, int]  # label -> forced summary length
    seed_file: str
    repeats: int  # of the seed translation and of each summary length
    clients: list[int]
    requests_per_client: int
    intra_threads: int
    inter_threads: int
    summaries_only: bool = False  # another summariser: the translation figures are the same
    summary_beam: int | None = None  # the summariser's beam (None: its own, or beam_size)


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    """This process's own peak RSS. Not getrusage's ru_maxrss: Linux carries that across
    fork and exec, so a child of a big parent (one that just built the models) would
    report the parent's peak."""
    return _status_mb("VmHWM")


def _settings(cfg: ChildConfig) -> Any:
    from service.config import Settings

    env = {
        "RINGKAS_BACKEND": cfg.backend,
        "RINGKAS_BATCHING": "1" if cfg.batching else "0",
        "RINGKAS_BATCH_SIZE": str(cfg.batch_size),
        "RINGKAS_STRATEGIES": "translate-summarise",
        "RINGKAS_INTRA_THREADS": str(cfg.intra_threads),
        "RINGKAS_INTER_THREADS": str(cfg.inter_threads),
        # Every client waits its turn rather than being turned away or timed out: the
        # benchmark measures service time, not admission control.
        "RINGKAS_MAX_QUEUE": "64",
        "RINGKAS_REQUEST_TIMEOUT": "3600",
        "RINGKAS_DATA_DIR": os.environ.get("RINGKAS_DATA_DIR", ""),
        # The cold figures: every request does all its work (the repeat cases turn the
        # memory and the result cache on, in apps of their own).
        "RINGKAS_TM_MAX_MB": "0",
        "RINGKAS_RESULT_CACHE": "0",
    }
    if cfg.beam_size is not None:
        env["RINGKAS_BEAM_SIZE"] = str(cfg.beam_size)
    if cfg.summary_beam is not None:
        env["RINGKAS_BEAM_SIZE_SUMMARIZE"] = str(cfg.summary_beam)
    return Settings.from_env(env={k: v for k, v in env.items() if v}, model_overrides=cfg.models)


def _serve(app: Any) -> tuple[str, Any]:
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=16)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", server


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    # Nearest rank: with few samples p95 is the slowest one, as it should be.
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _per_1k(t: Timing, tokens: int) -> dict[str, float]:
    return {"wall_s_per_1k_tokens": round(t.wall_s * 1000 / tokens, 3),
            "cpu_s_per_1k_tokens": round(t.cpu_s * 1000 / tokens, 3)}


def _runs(runs: Sequence[Timing], tokens: int) -> dict[str, Any]:
    """Median wall and CPU time of repeated runs, per request and per 1,000 output tokens."""
    wall = statistics.median(r.wall_s for r in runs)
    cpu = statistics.median(r.cpu_s for r in runs)
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "output_tokens": tokens,
            **_per_1k(Timing(wall, cpu), tokens),
            "runs_wall_s": [round(r.wall_s, 3) for r in runs],
            "runs_cpu_s": [round(r.cpu_s, 3) for r in runs]}


def engine_ceiling(engine: Any, pieces: Sequence[Any], batch_size: int,
                   tokens: int) -> Callable[[], None] | None:
    """The same pieces, batches and decoding options straight to
    ``ctranslate2.Translator.translate_batch``: what ringkas's own path is measured against.
    None for an engine that is not CTranslate2."""
    translator = getattr(engine, "translator", None)
    if translator is None or not hasattr(engine, "_options"):
        return None
    options = engine._options(GenerationParams(min_new_tokens=tokens, max_new_tokens=tokens))
    source = engine.tokenizer.pieces([p.text for p in pieces])
    order = sorted(range(len(pieces)), key=lambda i: pieces[i].tokens)
    batches = [[source[i] for i in order[s:s + batch_size]]
               for s in range(0, len(order), batch_size)]

    def run() -> None:
        for batch in batches:
            translator.translate_batch(batch, max_batch_size=engine.sub_batch_size(len(batch)),
                                       **options)

    return run


def _post(client: Any, base: str, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON answer of one request; anything but 200 ends the run, saying why."""
    resp = client.post(base + path, json=body, timeout=3600)
    if resp.status_code != 200:
        raise RuntimeError(f"{path} answered {resp.status_code}: {resp.text[:300]}")
    out: dict[str, Any] = resp.json()
    return out


def measure(cfg: ChildConfig) -> dict[str, Any]:
    import requests

    from service.api import create_app
    from service.pipeline.chunking import fit_pieces
    from service.runtime.assembly import load_models
    from service.text.clean import clean_article, split_paragraphs
    from service.text.segment import split_sentences

    rss_start = _rss_mb()
    settings = _settings(cfg)
    started = time.perf_counter()
    engines = load_models(settings, cfg.models)
    load_s = time.perf_counter() - started
    rss_loaded = _rss_mb()
    seed = Path(cfg.seed_file).read_text(encoding="utf-8")
    cleaned = clean_article(seed)
    sentences = split_sentences(cleaned.body, "id")
    inner = engines["translate_id_en"]
    # /v1/translate's pieces of the whole text, as the pipeline makes them (a translation
    # keeps every line, so more sentences than the summary's cleaned article).
    pieces = fit_pieces(inner, [s for p in split_paragraphs(seed)
                                for s in split_sentences(p, "id")], inner.max_input_tokens - 4)
    per_sentence = cfg.translate_tokens or round(statistics.mean(p.tokens for p in pieces))
    translate_tokens = len(pieces) * per_sentence
    # The fixed-length wrapper goes on before the app's own (metrics, batcher).
    fixed: dict[str, FixedLength] = {
        role: FixedLength(e, None if role == "summarize" else per_sentence)
        for role, e in engines.items()}

    app = create_app(settings, engines=fixed)
    base, server = _serve(app)
    session = requests.Session()

    def post(path: str, body: Mapping[str, Any], client: Any = session) -> dict[str, Any]:
        return _post(client, base, path, body)

    # The seed article's translation: ringkas end to end over HTTP, and the engine ceiling.
    translate_body = {"text": seed, "source": "id", "target": "en"}
    translate: dict[str, Any] = {"sentences": len(sentences), "pieces": len(pieces),
                                 "tokens_per_sentence": per_sentence}
    if not cfg.summaries_only:
        post("/v1/translate", translate_body)  # warm-up through the whole stack
        service_runs = [timed(lambda: post("/v1/translate", translate_body))
                        for _ in range(cfg.repeats)]
        translate["service"] = _runs(service_runs, translate_tokens)
    ceiling = engine_ceiling(inner, pieces, cfg.batch_size, per_sentence)
    if ceiling is not None and not cfg.summaries_only:
        ceiling()
        raw = _runs([timed(ceiling) for _ in range(cfg.repeats)], translate_tokens)
        translate["engine"] = raw
        translate["service_vs_engine_wall"] = ratio(translate["service"]["wall_s"],
                                                     raw["wall_s"])
        translate["service_vs_engine_cpu"] = ratio(translate["service"]["cpu_s"],
                                                    raw["cpu_s"])
    rss: dict[str, float] = {"after_load": round(rss_loaded, 1),
                             "after_translate": round(_rss_mb(), 1)}

    # The seed article's summary (translate-summarise, medium) at each forced length.
    summarize_body = {"text": seed, "length": "medium"}
    summaries: dict[str, Any] = {}
    for label, tokens in cfg.summary_tokens.items():
        fixed["summarize"].tokens = tokens
        post("/v1/summarize", summarize_body)  # warm-up at this length
        last: dict[str, Any] = {}

        def one(last: dict[str, Any] = last) -> None:
            last.update(post("/v1/summarize", summarize_body))

        runs = [timed(one) for _ in range(cfg.repeats)]
        row = _runs(runs, translate_tokens + tokens)
        row.update({"summary_tokens": tokens,
                    "p50_s": round(percentile([r.wall_s for r in runs], 50), 3),
                    "p95_s": round(percentile([r.wall_s for r in runs], 95), 3),
                    "stage_ms": last["timings_ms"]})
        summaries[label] = row
    rss["after_summaries"] = round(_rss_mb(), 1)

    # One-sentence requests on LibreTranslate's route, as its clients send them.
    throughput: dict[str, dict[str, float]] = {}
    for clients in cfg.clients:
        each = cfg.requests_per_client

        def client_loop(offset: int, each: int = each) -> None:
            with requests.Session() as own:
                for i in range(each):
                    q = sentences[(offset + i) % len(sentences)]
                    post("/translate", {"q": q, "source": "id", "target": "en"}, own)

        post("/translate", {"q": sentences[0], "source": "id", "target": "en"})
        threads = [threading.Thread(target=client_loop, args=(n * 7,)) for n in range(clients)]
        cpu0, t0 = cpu_s(), time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        run = Timing(time.perf_counter() - t0, cpu_s() - cpu0)
        done = clients * each
        throughput[str(clients)] = {
            "requests": done, "wall_s": round(run.wall_s, 3),
            "requests_per_s": round(done / run.wall_s, 3),
            "cpu_s_per_request": round(run.cpu_s / done, 4),
            # CPU seconds this process used per wall second: how many cores it kept busy.
            "cores_busy": round(run.cpu_s / run.wall_s, 2),
            **_per_1k(run, done * per_sentence)}
    server.close()
    rss["after_throughput"] = round(_rss_mb(), 1)
    repeats = None
    if not cfg.summaries_only:
        fixed["summarize"].tokens = cfg.summary_tokens["typical"]
        repeats = _repeats(settings, fixed, seed, sentences, cfg.repeats)
    return {
        "name": cfg.name,
        "config": cfg.__dict__,
        "models": [e.info.to_json() for e in engines.values()],
        "load_s": round(load_s, 2),
        "translate": translate,
        "summarize": summaries,
        "throughput": throughput,
        "repeats": repeats,
        "torch_imported": "torch" in sys.modules,
        "rss_start_mb": round(rss_start, 1),
        "rss_after_load_mb": round(rss_loaded, 1),
        "rss_mb": rss,
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def _repeats(settings: Any, engines: Mapping[str, Engine], seed: str, sentences: list[str],
             repeats: int) -> dict[str, Any]:
    """service/bench/repeats.py's cases, each warm one on a fresh app of its own."""
    import requests

    from service.api import create_app
    from service.bench.repeats import Post, measure_repeats, measure_stream

    servers: list[Any] = []
    warm = settings.changed(tm_max_mb=64, result_cache_size=256)
    bases: list[str] = []

    def serve(memory: bool) -> Post:
        base, server = _serve(create_app(warm if memory else settings, engines=engines))
        servers.append(server)
        bases.append(base)
        session = requests.Session()

        return lambda path, body: _post(session, base, path, body)

    def stream(path: str, body: Mapping[str, Any]) -> list[tuple[str, float]]:
        started = time.perf_counter()
        arrived = []
        with requests.post(bases[0] + path, json=body, stream=True, timeout=3600,
                           headers={"Accept": "text/event-stream"}) as resp:
            for piece in resp.iter_content(chunk_size=None):  # each piece as it arrives
                now = time.perf_counter() - started
                arrived += [(line[7:].decode(), now) for line in piece.split(b"\n")
                            if line.startswith(b"event: ")]
        return arrived

    try:
        out = measure_repeats(serve, seed, sentences, repeats)
        out["stream"] = measure_stream(stream, seed, repeats)  # on the cold app (bases[0])
        return out
    finally:
        for server in servers:
            server.close()


def main(argv: Sequence[str]) -> int:
    cfg = ChildConfig(**json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    result = measure(cfg)
    Path(argv[1]).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
