"""``ringkas models list|pull|make-tiny|convert|check``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from service.commandline import for_a_person, friendly_errors, settings_options
from service.config import Settings

if TYPE_CHECKING:
    from service.engine import Engine
    from service.engine.parity import ParityResult
    from service.models import ModelSpec


@click.group()
def models() -> None:
    """Inspect, download or fake the models ringkas uses."""


@models.command("list")
@friendly_errors
@settings_options
def list_models(settings: Settings) -> None:
    """Show each role's model and whether it is available locally (no network used)."""
    from service.engine.loading import check
    from service.pipeline.strategies import roles_for

    needed = roles_for(settings.features.strategies)
    missing = 0
    click.echo(f"{'role':<16} {'model':<42} {'revision':<9} {'needed':<7} available")
    for role, spec in settings.models.items():
        found = check(spec, probe_hub=False)
        where = found.where if found.ok else f"no: {found.reason}"
        missing += role in needed and not found.ok
        click.echo(f"{role:<16} {spec.model:<42} {spec.revision:<9} "
                   f"{'yes' if role in needed else 'no':<7} {where}")
    click.echo(f"\nenabled strategies: {', '.join(settings.features.strategies)} "
               "(RINGKAS_STRATEGIES); roles marked 'no' load only for other strategies")
    if missing:
        click.echo(for_a_person(f"\n{missing} model(s) not available locally: run `ringkas "
                                "models pull` with network access, or see `--models DIR`."),
                   err=True)


@models.command()
@friendly_errors
@settings_options
def pull(settings: Settings) -> None:
    """Download the hub models the enabled strategies need (RINGKAS_STRATEGIES) into the
    Hugging Face cache, and convert those of roles on CTranslate2 into its cache (checked
    against their source), so that an offline machine can copy both caches."""
    from tqdm import tqdm

    from service.hub import pull as pull_one
    from service.hub import unreachable
    from service.pipeline.strategies import roles_for

    failed = 0
    wanted = roles_for(settings.features.strategies)
    specs = [s for r, s in settings.models.items() if r in wanted and not s.is_local]
    if specs and (why := unreachable()):
        click.echo(for_a_person(f"cannot reach the model hub: {why}. Run `ringkas models "
                                "pull` where the hub can be reached, then copy the Hugging "
                                "Face cache (HF_HOME) here, or point each role at a local "
                                "directory (`--models DIR`)."), err=True)
        sys.exit(1)
    for spec in tqdm(specs, desc="models", unit="model", disable=not specs):
        try:
            path = pull_one(spec)
        except Exception as exc:  # report each failure, keep pulling the others
            failed += 1
            click.echo(f"{spec.role}: {spec.model}@{spec.revision} FAILED: "
                       f"{type(exc).__name__}: {exc}", err=True)
            continue
        click.echo(f"{spec.role}: {spec.model}@{spec.revision} -> {path}")
    for role, spec in settings.models.items():
        if role in wanted and spec.is_local:
            click.echo(f"{spec.role}: local directory {spec.model} (nothing to pull)")
    failed += _convert_for_ctranslate2(settings, [settings.models[r] for r in wanted])
    if failed:
        sys.exit(1)


def _convert_for_ctranslate2(settings: Settings, specs: list[ModelSpec]) -> int:
    """Convert the roles configured for CTranslate2 into its cache; the count that failed."""
    from service.engine.convert import is_ct2_dir
    from service.engine.ct2_cache import ensure_converted
    from service.engine.loading import check
    from service.runtime.assembly import ct2_cache_dir

    cache = ct2_cache_dir(settings)
    failed = 0
    for spec in specs:
        opts = settings.engines.roles[spec.role]
        if opts.backend != "ctranslate2" or is_ct2_dir(spec.model) or \
                not check(spec, probe_hub=False).ok:
            continue
        try:
            converted = ensure_converted(spec, opts.effective_compute_type, cache)
        except Exception as exc:  # report each failure, keep converting the others
            failed += 1
            click.echo(f"{spec.role}: conversion FAILED: {type(exc).__name__}: {exc}", err=True)
            continue
        state = "checked" if converted.ok else f"runs on transformers: {converted.why_not}"
        click.echo(f"{spec.role}: CTranslate2 {opts.effective_compute_type} -> "
                   f"{converted.path} ({state})")
    return failed


@models.command("make-tiny")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--corpus", multiple=True, type=click.Path(dir_okay=False, exists=True,
                                                          path_type=Path),
              help="Text file(s) to train the tokenizers on. Default: the seed articles.")
def make_tiny(out: Path, corpus: tuple[Path, ...]) -> None:
    """Write tiny RANDOM-WEIGHT models for every role into OUT (noise; tests only)."""
    from service.tiny import default_corpus
    from service.tiny import make_tiny as build

    files = list(corpus) or default_corpus()
    if not files:
        raise click.ClickException("no seed articles shipped with the package: pass --corpus")
    written = build(out, files)
    for role, path in written.items():
        click.echo(f"{role}: {path}")
    banner = ("WARNING: these models have RANDOM WEIGHTS. Everything they produce is noise. "
              "Use them only for plumbing checks and tests, e.g. `ringkas serve --models "
              f"{out}`; responses will carry a random_weights warning.")
    click.secho(banner, err=True, fg="red", bold=True)


@models.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--role", "roles", multiple=True,
              help="Convert only this role (repeatable). Default: every role the enabled "
                   "strategies need (RINGKAS_STRATEGIES).")
@click.option("--compute-type", default="int8", show_default=True,
              type=click.Choice(["int8", "int8_float32", "int16", "float16", "bfloat16",
                                 "float32"]),
              help="Weights' type in the converted model (int8: fastest on CPU).")
@click.option("--force", is_flag=True, help="Overwrite existing output directories.")
@friendly_errors
@settings_options
def convert(out: Path, roles: tuple[str, ...], compute_type: str, force: bool,
            settings: Settings) -> None:
    """Convert each configured model into a CTranslate2 model in OUT/<role> (run it with
    RINGKAS_BACKEND=ctranslate2 and --models OUT), then check each against its source
    (as `ringkas models check`); exits 1 when a check fails."""
    from service.engine.convert import convert as convert_one
    from service.engine.convert import record_parity
    from service.engine.loading import check, configured_loader
    from service.engine.options import EngineOptions
    from service.models import LOCAL_REVISION, ModelSpec
    from service.pipeline.strategies import roles_for

    unknown = [r for r in roles if r not in settings.models]
    if unknown:
        raise click.BadParameter(f"unknown role {unknown[0]!r}; roles: "
                                 f"{', '.join(settings.models)}", param_hint="--role")
    wanted = list(roles) or roles_for(settings.features.strategies)
    failed = 0
    for role in wanted:
        spec = settings.models[role]
        found = check(spec, probe_hub=False)
        if not found.ok:
            failed += 1
            click.echo(for_a_person(f"{role}: {spec.model} is not available locally: "
                                    f"{found.reason} (run `ringkas models pull` first)"),
                       err=True)
            continue
        target = out / role
        if target.exists() and any(target.iterdir()) and not force:
            failed += 1
            click.echo(f"{role}: {target} exists and is not empty (use --force)", err=True)
            continue
        try:
            convert_one(spec, target, compute_type, force=True)
        except Exception as exc:  # report each failure, keep converting the others
            failed += 1
            click.echo(f"{role}: conversion FAILED: {type(exc).__name__}: {exc}", err=True)
            continue
        click.echo(f"{role}: {spec.model}@{spec.revision} -> {target} ({compute_type})")
        try:
            engine = configured_loader({role: EngineOptions(backend="ctranslate2")})(
                ModelSpec(role, str(target), LOCAL_REVISION), True)
            result = _check_role(role, engine)
            del engine  # the next role's conversion needs the memory
        except Exception as exc:  # report each failure, keep converting the others
            failed += 1
            click.echo(f"{role}: parity check FAILED to run: {type(exc).__name__}: {exc}",
                       err=True)
            continue
        if result is not None:
            record_parity(target, result.to_json())
            failed += not result.ok
    if failed:
        sys.exit(1)


def _check_role(role: str, engine: Engine) -> ParityResult | None:
    """Print how ``role`` decodes and, for a converted model, its parity with its source;
    None when there is nothing to compare (a transformers model)."""
    from service.engine.ct2 import CT2Seq2SeqEngine
    from service.engine.hf import HFSeq2SeqEngine
    from service.engine.parity import check_parity

    info = engine.info
    source = f" from {info.converted_from}" if info.converted_from else ""
    click.echo(f"\n{role}: {info.architecture} on {info.backend} {info.compute_type}{source}")
    if info.decoding is not None:
        click.echo(f"  decoding: {info.decoding.describe()}")
        if info.decoding.suppressed:
            click.echo(f"  never generated: {len(info.decoding.suppressed)} pieces "
                       "(language tokens, sentinels)")
    if not isinstance(engine, CT2Seq2SeqEngine):
        # A note says why a role configured for CTranslate2 runs on transformers instead.
        click.echo(f"  {info.note}" if info.note
                   else "  parity: nothing to compare (runs the source model itself)")
        return None
    meta = engine.meta
    # The commit converted, not the branch: a later pull may have moved the branch.
    origin = HFSeq2SeqEngine.from_pretrained(role, meta.source, meta.commit or meta.revision,
                                             local_files_only=True, decoding=engine.decoding)
    result = check_parity(role, origin, engine)
    _show_parity(result)
    return result


def _show_parity(result: ParityResult) -> None:
    from service.engine.parity import GREEDY_TOKENS

    n = result.sentences
    click.echo(f"  teacher-forced log-prob: mean |diff| per token {result.max_logprob_diff:.6f} "
               f"nats, worst of {n} sentences (tolerance {result.tolerance:g})"
               + (" — token counts DIFFER (vocabularies disagree)"
                  if result.length_mismatch else ""))
    click.echo(f"  greedy ({GREEDY_TOKENS} tokens): {result.greedy_identical}/{n} identical")
    click.echo(f"  beam 4: {result.beam_identical}/{n} identical, {result.beam_ties} ties, "
               f"{result.beam_worse} scored lower by the source model (by up to "
               f"{result.beam_max_gap:g} nats/token)")
    click.echo(f"  parity: {'ok' if result.ok else 'MISMATCH'}")


def _recorded_parity(role: str, settings: Settings) -> ParityResult | None:
    """The check recorded with ``role``'s cached CTranslate2 conversion: the one the loader
    read when it put the role on transformers. None when no conversion was made."""
    from service.engine.convert import ConvertedMeta, is_ct2_dir
    from service.engine.ct2_cache import entry_for
    from service.engine.parity import ParityResult
    from service.runtime.assembly import ct2_cache_dir

    entry = entry_for(settings.models[role],
                      settings.engines.roles[role].effective_compute_type,
                      ct2_cache_dir(settings))
    parity = ConvertedMeta.read(entry).parity if is_ct2_dir(entry) else None
    if not parity:
        return None
    return ParityResult(**{k: v for k, v in parity.items() if k != "ok"})


@models.command()
@click.option("--role", "roles", multiple=True,
              help="Check only this role (repeatable). Default: every role the enabled "
                   "strategies need (RINGKAS_STRATEGIES).")
@friendly_errors
@settings_options
def check(roles: tuple[str, ...], settings: Settings) -> None:
    """Load each configured role and show how it decodes; for a converted (CTranslate2)
    model, compare it with the model it was converted from on fixed sentences. Exits 1
    when a comparison is outside its tolerance, or a role configured for CTranslate2 runs
    on transformers because its conversion failed (then the check it failed is shown)."""
    from service.engine.ct2 import CT2Seq2SeqEngine
    from service.pipeline.strategies import roles_for
    from service.runtime.assembly import load_models

    unknown = [r for r in roles if r not in settings.models]
    if unknown:
        raise click.BadParameter(f"unknown role {unknown[0]!r}; roles: "
                                 f"{', '.join(settings.models)}", param_hint="--role")
    wanted = list(roles) or roles_for(settings.features.strategies)
    engines = load_models(settings, wanted)
    failed, unconverted = [], []
    for role, engine in engines.items():
        result = _check_role(role, engine)
        if result is None and settings.engines.roles[role].backend == "ctranslate2" \
                and not isinstance(engine, CT2Seq2SeqEngine):
            # The loader's fallback, whose warning sends the operator here.
            result = _recorded_parity(role, settings)
            if result is None:
                unconverted.append(role)
                continue
            click.echo("  the check recorded with its cached conversion:")
            _show_parity(result)
        if result is not None and not result.ok:
            failed.append(role)
    if failed:
        click.echo(f"\nparity MISMATCH: {', '.join(failed)}", err=True)
    if unconverted:
        click.echo(f"\nno CTranslate2 conversion, as configured: {', '.join(unconverted)}",
                   err=True)
    if failed or unconverted:
        sys.exit(1)
