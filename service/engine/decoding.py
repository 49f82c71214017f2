"""One decoding policy for both backends: the model's own generation config, gaps filled
from the role's model card, the role's configured settings on top.

``effective_generation`` is what the transformers engine hands to ``generate()`` and what
``convert`` translates into CTranslate2 options, so the two backends decode alike; the
``EffectiveDecoding`` summary of it goes into the load log, ``/v1/models`` and
``ringkas models check``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from service.engine.options import Decoding
from service.errors import EngineError
from service.models import ROLES

if TYPE_CHECKING:
    from transformers import GenerationConfig


@dataclass(frozen=True)
class EffectiveDecoding:
    """How a role decodes when a call overrides nothing."""

    num_beams: int
    length_penalty: float
    no_repeat_ngram_size: int
    min_new_tokens: int
    max_new_tokens: int
    start_token: str  # the decoder's first token (CrossSum: the target language's)
    forced_bos_token: str | None  # BART: <s>, forced as the first generated token
    suppressed: tuple[str, ...]  # tokens never generated (language and sentinel pieces)
    window: int  # longest input, in tokens

    @classmethod
    def of(cls, options: Mapping[str, Any], *, window: int, cap: int) -> EffectiveDecoding:
        """From ``as_options``' dict (the role's configured decoding applied), with the
        engine's input window and output cap."""
        max_new = min(options["max_new_tokens"] or cap, cap)
        return cls(
            num_beams=options["beam_size"], length_penalty=float(options["length_penalty"]),
            no_repeat_ngram_size=options["no_repeat_ngram_size"],
            min_new_tokens=min(options["min_new_tokens"], max_new), max_new_tokens=max_new,
            start_token=options.get("start_token") or "",
            forced_bos_token=options.get("prefix_token"),
            suppressed=tuple(options.get("suppress") or ()), window=window)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "suppressed": list(self.suppressed)}

    def describe(self) -> str:
        """One line for the load log."""
        return (f"beams={self.num_beams} length_penalty={self.length_penalty:g} "
                f"no_repeat={self.no_repeat_ngram_size} new_tokens={self.min_new_tokens}.."
                f"{self.max_new_tokens} start={self.start_token!r} window={self.window}")


def in_new_tokens(config: GenerationConfig) -> GenerationConfig:
    """Published configs say max_length/min_length (decoder tokens, start token included);
    per-call overrides say *_new_tokens. One vocabulary avoids transformers' both-set warnings
    and makes the overrides unambiguous."""
    config = copy.deepcopy(config)
    for total, new in (("max_length", "max_new_tokens"), ("min_length", "min_new_tokens")):
        value = getattr(config, total, None)
        if value is not None and getattr(config, new, None) is None:
            setattr(config, new, max(0, value - 1))
        setattr(config, total, None)
    return config


def _with_card(config: GenerationConfig, role: str) -> GenerationConfig:
    """Fill what the model's own config leaves unset (None in transformers 5) with the
    values its model card decodes with (CrossSum's no-repeat size, mt0's length)."""
    known = ROLES.get(role)
    if known is None:
        return config
    config = copy.deepcopy(config)
    for key, value in known.card.items():
        current = getattr(config, key, None)
        # 0 is "no blocking", what older transformers wrote out by default: unset too.
        if current is None or (key == "no_repeat_ngram_size" and current == 0):
            setattr(config, key, value)
    return config


def apply_decoding(config: GenerationConfig, decoding: Decoding) -> GenerationConfig:
    """The role's configured decoding settings over the model's own (max_length caps
    max_new_tokens, the model's default included)."""
    config = copy.deepcopy(config)
    if decoding.beam_size is not None:
        config.num_beams = decoding.beam_size
    if decoding.length_penalty is not None:
        config.length_penalty = decoding.length_penalty
    if decoding.no_repeat_ngram_size is not None:
        config.no_repeat_ngram_size = decoding.no_repeat_ngram_size
    if decoding.max_length is not None:
        config.max_new_tokens = min(config.max_new_tokens or decoding.max_length,
                                    decoding.max_length)
    return config


def langid_map(model_config: Any) -> Mapping[str, Any]:
    found = (getattr(model_config, "task_specific_params", None) or {}).get("langid_map")
    return found or {}


def language_start(model_config: Any, tokenizer: Any, role: str,
                   lang: str) -> tuple[int, tuple[int, ...]]:
    """CrossSum-style models name their languages in task_specific_params.langid_map as
    ``{lang: [index, piece]}`` and begin decoding with that piece (their model cards do).
    Returns the start id and the ids of every language piece (never to be generated).
    A map, language or piece that is missing fails here: at load, not as ``<unk>``."""
    table = langid_map(model_config)
    if not table:
        raise EngineError(f"role {role}: the model has no task_specific_params.langid_map, "
                          f"so it cannot be told to write {lang!r}")
    if lang not in table:
        raise EngineError(f"role {role}: language {lang!r} is not in the model's "
                          f"task_specific_params.langid_map ({len(table)} languages)")
    vocab = tokenizer.get_vocab()
    ids: dict[str, int] = {}
    for name, entry in table.items():
        piece = entry[1]
        if piece not in vocab:
            raise EngineError(f"role {role}: the language token {piece!r} of {name!r} in "
                              "task_specific_params.langid_map is not in the tokenizer's "
                              "vocabulary (it would decode from <unk>)")
        ids[name] = vocab[piece]
    return ids[lang], tuple(sorted(set(ids.values())))


# mT5's span-corruption sentinels: pretraining pieces that mark a gap, never text. A
# fine-tuned checkpoint can still emit one, and it would reach the editor verbatim.
_SENTINEL = re.compile(r"▁?<extra_id_\d+>")


def sentinel_ids(tokenizer: Any, model_config: Any = None) -> tuple[int, ...]:
    """The ids that are never text: every ``▁<extra_id_N>`` piece of the tokenizer, and the
    output rows past its vocabulary (mT5 pads 250,100 pieces to 250,112 rows; an untrained
    row decodes to nothing)."""
    if tokenizer is None:
        return ()
    found = {i for piece, i in tokenizer.get_vocab().items() if _SENTINEL.fullmatch(piece)}
    rows = getattr(model_config, "vocab_size", None) or 0
    found.update(range(len(tokenizer), rows))
    return tuple(sorted(found))


def token_names(tokenizer: Any, ids: list[int]) -> list[str]:
    """Tokens by id as CTranslate2's vocabulary names them: a row past the tokenizer's
    vocabulary is ``<extra_id_K>``, K counted from the first such row (its converters'
    naming)."""
    size = len(tokenizer)
    return [f"<extra_id_{i - size}>" if i >= size else tokenizer.convert_ids_to_tokens(i)
            for i in ids]


def effective_generation(config: GenerationConfig, role: str, *, model_config: Any = None,
                         tokenizer: Any = None, decoding: Decoding | None = None,
                         ) -> GenerationConfig:
    """The one generation config a role decodes with (see the module docstring)."""
    config = in_new_tokens(_with_card(config, role))
    # Scores renormalised after masking (no-repeat, suppressed and banned tokens), as
    # CTranslate2 always does and opus-mt's own config asks: otherwise the two backends'
    # beam searches rank hypotheses differently wherever a mask removed probability mass.
    config.renormalize_logits = True
    known = ROLES.get(role)
    if known is not None and known.target_lang and model_config is not None:
        start, languages = language_start(model_config, tokenizer, role, known.target_lang)
        config.decoder_start_token_id = start
        config.suppress_tokens = list(languages)
    sentinels = sentinel_ids(tokenizer, model_config)
    if sentinels:
        # The start piece stays the decoder's first token: suppression masks only what is
        # generated after it.
        config.suppress_tokens = sorted({*(config.suppress_tokens or ()), *sentinels})
    return apply_decoding(config, decoding or Decoding())


def as_options(config: GenerationConfig, tokenizer: Any) -> dict[str, Any]:
    """An effective generation config in CTranslate2's terms (``ConvertedMeta.generation``),
    also the one description of it both engines report (``EffectiveDecoding.of``)."""
    forced_bos = getattr(config, "forced_bos_token_id", None)
    return {
        "beam_size": config.num_beams or 1,
        "length_penalty": config.length_penalty if config.length_penalty is not None else 1.0,
        "no_repeat_ngram_size": config.no_repeat_ngram_size or 0,
        "max_new_tokens": config.max_new_tokens,
        "min_new_tokens": config.min_new_tokens or 0,
        # BART-family models force <s> as the first generated token; CT2 takes it as a prefix.
        "prefix_token": (tokenizer.convert_ids_to_tokens(forced_bos)
                         if forced_bos is not None else None),
        # transformers writes EOS in the last allowed position; the CT2 engine mirrors it.
        "forced_eos": getattr(config, "forced_eos_token_id", None) is not None,
        "start_token": tokenizer.convert_ids_to_tokens(config.decoder_start_token_id),
        # Language and sentinel pieces: never generated, as suppress_tokens on transformers.
        "suppress": token_names(tokenizer, list(config.suppress_tokens or [])),
    }
