"""``ringkas bench``: naive transformers vs batched transformers vs CTranslate2 int8."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def _ints(value: str) -> tuple[int, ...]:
    try:
        out = tuple(int(x) for x in value.split(",") if x.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r}: use comma-separated integers") from None
    if not out or min(out) < 1:
        raise click.BadParameter(f"{value!r}: use positive integers")
    return out


@click.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("artifacts/bench"), show_default=True,
              help="Where bench.json and bench.md go.")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path),
              default=Path("artifacts/bench/models"), show_default=True,
              help="Where the random-weight models are built (reused by later runs).")
@click.option("--quick", is_flag=True,
              help="Fewer repeats (1 translate, 2 summarise, 1 request per client).")
@click.option("--shapes", type=click.Choice(["published", "tiny"]), default="published",
              show_default=True, help="published: opus-mt-id-en and distilbart-cnn-12-6 "
              "sizes; tiny: a smoke test of the benchmark itself.")
@click.option("--backends", default="a,b,c", show_default=True,
              help="a: naive transformers, b: transformers batched, c: CTranslate2 int8.")
@click.option("--clients", default="1,4,8", show_default=True,
              help="Concurrent HTTP clients for the throughput runs.")
@click.option("--beam-size", default=4, show_default=True, type=click.IntRange(1, 32))
@click.option("--translate-tokens", default=32, show_default=True, type=click.IntRange(1, 512),
              help="Output tokens per translated sentence, forced on every backend.")
@click.option("--threads", "intra_threads", default=0, show_default=True,
              type=click.IntRange(0, 256), help="Intra-op threads (0: every core).")
def bench(out: Path, work: Path, quick: bool, shapes: str, backends: str, clients: str,
          beam_size: int, translate_tokens: int, intra_threads: int) -> None:
    """Benchmark the backends on random-weight models of the published shapes; prints a
    Markdown table and writes OUT/bench.json and OUT/bench.md."""
    from service.bench.run import BACKENDS, BenchOptions, run

    keys = tuple(k.strip() for k in backends.split(",") if k.strip())
    unknown = [k for k in keys if k not in BACKENDS]
    if unknown or not keys:
        raise click.BadParameter(f"unknown backend {unknown[0] if unknown else ''!r}; "
                                 "use a, b, c", param_hint="--backends")
    opts = BenchOptions(out=out, work=work, shapes=shapes, quick=quick, backends=keys,
                        clients=_ints(clients), beam_size=beam_size,
                        translate_tokens=translate_tokens, intra_threads=intra_threads)
    report = run(opts, say=lambda msg: click.echo(msg, err=True))
    click.echo((out / "bench.md").read_text(encoding="utf-8"))
    missed = [t for t in report["targets"] if t["met"] is False]
    if missed:
        click.echo(f"{len(missed)} target(s) not met (see the table)", err=True)
    sys.stdout.flush()
