"""``ringkas bench``: the default CTranslate2 int8 service against its engine's ceiling, and
against transformers."""

from __future__ import annotations

import sys
from collections.abc import Callable
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
              help="3 runs of each measurement and 4 requests per client, CTranslate2 only "
              "(about 1.5 minutes on 2 idle cores, 2 more the first time, building the models).")
@click.option("--shapes", type=click.Choice(["published", "tiny"]), default="published",
              show_default=True, help="published: the default models' sizes; tiny: a smoke "
              "test of the benchmark itself.")
@click.option("--backends", default=None,
              help="a: naive transformers, b: transformers batched, c: CTranslate2 int8 "
              "(the default). [default: c with --quick, else c,b]")
@click.option("--summarisers", default=None,
              help="Summarisers to time on CTranslate2: 12-6 (the default model), 12-3, 6-6 "
              "(distilbart-cnn's smaller siblings), each at its own beam or NAME@BEAM. "
              "[default: 12-6 with --quick, else 12-6,12-3,6-6,12-6@2,12-3@3]")
@click.option("--clients", default="1,4,8", show_default=True,
              help="Concurrent HTTP clients for the one-sentence throughput runs.")
@click.option("--beam-size", default=None, type=click.IntRange(1, 32),
              help="Every role's beam size. [default: each model's own]")
@click.option("--translate-tokens", default=0, show_default=True, type=click.IntRange(0, 512),
              help="Output tokens per translated sentence, forced on every backend (0: the "
              "seed's mean sentence length in source tokens).")
@click.option("--threads", "intra_threads", default=0, show_default=True,
              type=click.IntRange(0, 256),
              help="Cores per CTranslate2 worker, RINGKAS_INTRA_THREADS (0: chosen).")
@click.option("--inter-threads", default=0, show_default=True, type=click.IntRange(0, 256),
              help="CTranslate2 workers per model, RINGKAS_INTER_THREADS (0: chosen).")
@click.option("--force", is_flag=True,
              help="Run on a busy machine (1-minute load average over 0.5 per core).")
def bench(out: Path, work: Path, quick: bool, shapes: str, backends: str | None,
          summarisers: str | None, clients: str, beam_size: int | None, translate_tokens: int,
          intra_threads: int, inter_threads: int, force: bool) -> None:
    """Benchmark ringkas on random-weight models of the published shapes; prints a Markdown
    table and writes OUT/bench.json and OUT/bench.md."""
    from service.bench.run import BACKENDS, BenchOptions, MachineBusy, run
    from service.bench.shapes import FULL_RUN_SUMMARISERS, SUMMARISERS

    keys = _names(backends or ("c" if quick else "c,b"), "--backends",
                  BACKENDS.__contains__, ", ".join(BACKENDS))
    variants = _names(summarisers or ("12-6" if quick else ",".join(FULL_RUN_SUMMARISERS)),
                      "--summarisers", _is_variant,
                      f"{', '.join(SUMMARISERS)}, each with @BEAM if you like (12-6@2)")
    opts = BenchOptions(out=out, work=work, shapes=shapes, quick=quick, backends=keys,
                        summarisers=variants, clients=_ints(clients), beam_size=beam_size,
                        translate_tokens=translate_tokens, intra_threads=intra_threads,
                        inter_threads=inter_threads, force=force)
    try:
        report = run(opts, say=lambda msg: click.echo(msg, err=True))
    except MachineBusy as exc:
        raise click.ClickException(str(exc)) from None
    click.echo((out / "bench.md").read_text(encoding="utf-8"))
    missed = [t for t in report["targets"] if t["met"] is False]
    if missed:
        click.echo(f"{len(missed)} target(s) not met (see the table)", err=True)
    sys.stdout.flush()


def _is_variant(name: str) -> bool:
    from service.bench.shapes import summariser_variant

    try:
        summariser_variant(name)
    except ValueError:
        return False
    return True


def _names(value: str, hint: str, valid: Callable[[str], bool],
           choices: str) -> tuple[str, ...]:
    names = tuple(k.strip() for k in value.split(",") if k.strip())
    unknown = [k for k in names if not valid(k)]
    if unknown or not names:
        raise click.BadParameter(f"unknown {unknown[0] if unknown else ''!r}; use {choices}",
                                 param_hint=hint)
    return names
