"""Does a converted (CTranslate2) model compute what its transformers source computes?

Three measurements on fixed sentences, each against the source model loaded with the same
role policy:
- teacher-forced log-probabilities of one fixed target per sentence (the source's own
  greedy output): the mean per-token difference, in nats, of the worst sentence must stay
  within a tolerance that depends on the compute type (float32 is exact arithmetic up to
  summation order; int8 quantises every weight);
- greedy outputs of a forced length, which must be identical at float32;
- beam-4 outputs with the role's decoding, reported: a differing output is a tie when
  the source model scores both hypotheses within the tolerance, else the shortfall of the
  converted model's hypothesis is given. With scores renormalised after masking on both
  sides (``decoding.effective_generation``) the searches agree but for exact ties and at
  the length limit, where transformers forces EOS into the last position and CTranslate2
  is cut there; so these are figures to read, not a pass/fail. The scores are the source
  model's raw length-normalised log-probs, without the forced, suppressed or no-repeat
  processing beam search applied: an approximation of how the searches ranked them.

A check passes when the log-prob difference is within the tolerance and, at float32, every
greedy output is identical.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from service.engine.base import GenerationParams
from service.engine.ct2 import CT2Seq2SeqEngine
from service.engine.hf import HFSeq2SeqEngine

# Mean per-token log-prob tolerance (nats) by the compute type the converted model runs.
# float32 differs by summation order only (measured on the stand-ins: <= 1.2e-4). The others
# are bounds, not measurements on trained weights: wide enough for rounding, far below what
# a structural error costs (a wrong output scale, vocabulary or start token flattens or
# shifts the distribution by whole nats per token; mT5's unfixed scale costs ~10 on the
# published vocabulary, log(250112) being 12.4).
TOLERANCE = {"float32": 1e-3, "float16": 0.1, "bfloat16": 0.2}
_QUANTISED_TOLERANCE = 0.5  # int8 and int16 variants
GREEDY_TOKENS = 16
BEAM_TOKENS = 24

# Fixed probe sentences: Indonesian for the roles that read Indonesian, English for those
# that read English (news register, numbers and names, as the service sees).
PROBES = {
    "id": (
        "Kementerian Perindustrian memperkuat upaya pemulihan sentra IKM alas kaki di Bogor.",
        "Nilai investasi mencapai lebih dari Rp18 triliun pada tahun 2025.",
        "Sebanyak 14 perajin terlibat langsung dalam program tersebut.",
        "Menteri mengatakan ekspor sepatu naik 12 persen dibanding tahun lalu.",
    ),
    "en": (
        "The Ministry of Industry is strengthening the recovery of footwear workshops.",
        "Investment reached more than 18 trillion rupiah in 2025.",
        "Fourteen craftsmen took part directly in the programme.",
        "The minister said shoe exports rose 12 percent from last year.",
    ),
}
READS = {"translate_id_en": "id", "translate_en_id": "en", "summarize": "en",
         "summarize_id": "id", "crosssum": "id", "instruct": "id"}


def tolerance_for(compute_type: str) -> float:
    return TOLERANCE.get(compute_type, _QUANTISED_TOLERANCE)


@dataclass(frozen=True)
class ParityResult:
    role: str
    compute_type: str
    sentences: int
    tolerance: float  # nats per token
    # Teacher-forced: the mean |difference| per token, nats, of the worst sentence.
    max_logprob_diff: float
    length_mismatch: bool  # the two scored a different number of tokens (vocabularies)
    greedy_identical: int
    beam_identical: int
    beam_ties: int  # differing beam outputs the source scores within the tolerance
    beam_worse: int  # differing beam outputs the source scores worse than its own
    beam_max_gap: float  # the largest such shortfall, nats per token (length-normalised)

    @property
    def exact(self) -> bool:
        return self.compute_type == "float32"

    @property
    def ok(self) -> bool:
        if self.length_mismatch or self.max_logprob_diff > self.tolerance:
            return False
        # Exact arithmetic: greedy decoding must agree token for token. Beam outputs are
        # reported, not judged: the two libraries' beam searches prune and finish beams
        # differently, and near-flat (random-weight) distributions make that visible.
        return not self.exact or self.greedy_identical == self.sentences

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _source_ids(engine: HFSeq2SeqEngine, text: str) -> Any:
    return engine.tokenizer([text], return_tensors="pt", truncation=False)


def hf_token_logprobs(engine: HFSeq2SeqEngine, text: str, target: Sequence[int]) -> list[float]:
    """log p(target + EOS | text) token by token, decoding from the role's start token."""
    import torch

    start = engine.generation_config.decoder_start_token_id
    eos = engine.model.config.eos_token_id
    decoder = torch.tensor([[start, *target]])
    with torch.inference_mode():
        logits = engine.model(**_source_ids(engine, text), decoder_input_ids=decoder).logits[0]
    logits = logits.float().clone()
    # Tokens generation can never produce (Marian's <pad>, in bad_words_ids) are left out
    # of the normalisation, as generation's renormalised scores and CTranslate2 (whose
    # vocabulary drops them) do.
    banned = [w[0] for w in engine.generation_config.bad_words_ids or [] if len(w) == 1]
    logits[:, banned] = float("-inf")
    logprobs = logits.log_softmax(-1)
    return [float(logprobs[i, t]) for i, t in enumerate([*target, eos])]


def ct2_token_logprobs(engine: CT2Seq2SeqEngine, source_engine: HFSeq2SeqEngine, text: str,
                       target: Sequence[int]) -> list[float]:
    """The same, from CTranslate2 (the target ids are the source tokenizer's)."""
    source = engine.tokenizer.pieces([text])[0]
    pieces = source_engine.tokenizer.convert_ids_to_tokens(list(target))
    result = engine.translator.score_batch([source], [pieces], max_input_length=0)[0]
    return [float(x) for x in result.log_probs]


def _generated_ids(engine: HFSeq2SeqEngine, text: str, params: GenerationParams) -> list[int]:
    """The source's output ids, without the start token and the closing EOS/padding."""
    import torch

    config = engine._config_for(params)
    with torch.inference_mode():
        out = engine.model.generate(**_source_ids(engine, text), generation_config=config)[0]
    ids = [int(x) for x in out[1:]]
    specials = {engine.model.config.eos_token_id, engine.model.config.pad_token_id}
    while ids and ids[-1] in specials:
        ids.pop()
    return ids


def _hypothesis_score(engine: HFSeq2SeqEngine, text: str, ids: Sequence[int],
                      length_penalty: float, finished: bool) -> float:
    """The source model's length-normalised score of an output, as beam search ranks it:
    with its EOS when it finished, without when the length limit cut it."""
    logprobs = hf_token_logprobs(engine, text, ids)
    if not finished:
        logprobs = logprobs[:-1]
    return sum(logprobs) / (len(logprobs) ** length_penalty)


def _target_vocabulary(engine: CT2Seq2SeqEngine) -> dict[str, int]:
    """CTranslate2's own token -> id (its row in the output layer). It can hold tokens the
    tokenizer lacks: the T5 converter names mT5's padding rows <extra_id_N>."""
    path = engine.model_dir or Path(engine.info.id)
    for name in ("target_vocabulary.json", "shared_vocabulary.json"):
        if (path / name).is_file():
            tokens = json.loads((path / name).read_text(encoding="utf-8"))
            return {token: i for i, token in enumerate(tokens)}
    raise FileNotFoundError(f"{path} has no CTranslate2 vocabulary file")


def check_parity(role: str, source: HFSeq2SeqEngine, converted: CT2Seq2SeqEngine,
                 texts: Sequence[str] | None = None) -> ParityResult:
    texts = list(texts or PROBES[READS.get(role, "id")])
    tolerance = tolerance_for(converted.info.compute_type)
    worst, mismatch = 0.0, False
    for text in texts:
        target = _generated_ids(source, text, GenerationParams(num_beams=1,
                                                               max_new_tokens=GREEDY_TOKENS))
        want, got = hf_token_logprobs(source, text, target), ct2_token_logprobs(
            converted, source, text, target)
        if len(want) != len(got):
            mismatch = True
            continue
        diffs = [abs(a - b) for a, b in zip(want, got, strict=True)]
        worst = max(worst, sum(diffs) / len(diffs))
    greedy = GenerationParams(num_beams=1, min_new_tokens=GREEDY_TOKENS,
                              max_new_tokens=GREEDY_TOKENS)
    greedy_same = sum(a == b for a, b in zip(source.generate(texts, greedy),
                                             converted.generate(texts, greedy), strict=True))
    beam = GenerationParams(num_beams=4, max_new_tokens=BEAM_TOKENS)
    penalty = source.effective.length_penalty
    same = ties = worse = 0
    max_gap = 0.0
    vocabulary = _target_vocabulary(converted)
    for text in texts:
        a = _generated_ids(source, text, beam)
        b = [vocabulary[t] for t in converted.generate_tokens([text], beam)[0]]
        if a == b:
            same += 1
            continue
        gap = (_hypothesis_score(source, text, b, penalty, len(b) < BEAM_TOKENS)
               - _hypothesis_score(source, text, a, penalty, len(a) < BEAM_TOKENS))
        if abs(gap) <= tolerance:
            ties += 1
        elif gap < 0:
            worse += 1
            max_gap = max(max_gap, -gap)
    return ParityResult(role, converted.info.compute_type, len(texts), tolerance,
                        round(worst, 6), mismatch, greedy_same, same, ties, worse,
                        round(max_gap, 4))
