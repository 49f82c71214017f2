"""Metrics with a name registry and lazy imports; every score carries a signature."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import mean
from typing import Any, ClassVar

N_BOOTSTRAP = 1000


@dataclass(frozen=True)
class Score:
    name: str  # e.g. "bleu", "rouge2"
    value: float
    signature: str
    higher_is_better: bool = True
    ci: float | None = None  # 95% half-width from bootstrap resampling, where available
    extra: dict[str, Any] = field(default_factory=dict)
    # A document's share of a pooled corpus value (the claims or sentences its rate is
    # over), so a paired test resamples the same statistic the corpus value is; None: the
    # corpus value is the mean of the documents'.
    weight: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": round(self.value, 4), "signature": self.signature,
                               "higher_is_better": self.higher_is_better}
        if self.ci is not None:
            out["ci95"] = round(self.ci, 4)
        if self.extra:
            out.update(self.extra)
        return out


class Metric(ABC):
    """Scores hypotheses against references (one list of references per document)."""

    name: ClassVar[str]

    @abstractmethod
    def corpus(self, hyps: Sequence[str], refs: Sequence[Sequence[str]],
               sources: Sequence[str]) -> list[Score]: ...

    def documents(self, hyps: Sequence[str], refs: Sequence[Sequence[str]],
                  sources: Sequence[str]) -> list[list[Score]]:
        """Per-document scores (default: the corpus metric on each document alone)."""
        return [self.corpus([h], [r], [s]) for h, r, s in zip(hyps, refs, sources, strict=True)]



METRICS: dict[str, type[Metric]] = {}


def register(cls: type[Metric]) -> type[Metric]:
    METRICS[cls.name] = cls
    return cls


def get_metric(name: str, **kwargs: Any) -> Metric:
    if name not in METRICS:
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(METRICS)}")
    return METRICS[name](**kwargs)


def _streams(refs: Sequence[Sequence[str]], n_hyps: int) -> list[list[str]]:
    """Per-document reference lists -> sacrebleu's reference streams (same count each)."""
    if len(refs) != n_hyps:
        raise ValueError(f"{n_hyps} hypotheses but references for {len(refs)} documents")
    counts = {len(r) for r in refs}
    if len(counts) != 1:
        raise ValueError(f"every document needs the same number of references, got {counts}")
    return [list(stream) for stream in zip(*refs, strict=True)]


class _SacreBleu(Metric):
    """BLEU, chrF++ and TER through sacrebleu's own API."""

    sacrebleu_class: ClassVar[str]
    options: ClassVar[dict[str, Any]] = {}
    higher_is_better: ClassVar[bool] = True

    def __init__(self, n_bootstrap: int = N_BOOTSTRAP) -> None:
        self.n_bootstrap = n_bootstrap

    sentence_options: ClassVar[dict[str, Any]] = {}

    def _scorer(self, sentence: bool = False) -> Any:
        from sacrebleu import metrics

        options = {**self.options, **(self.sentence_options if sentence else {})}
        return getattr(metrics, self.sacrebleu_class)(**options)

    def corpus(self, hyps: Sequence[str], refs: Sequence[Sequence[str]],
               sources: Sequence[str]) -> list[Score]:
        scorer = self._scorer()
        # Bootstrap needs more than one segment to resample.
        n_boot = self.n_bootstrap if len(hyps) > 1 else 1
        result = scorer.corpus_score(list(hyps), _streams(refs, len(hyps)), n_bootstrap=n_boot)
        # sacrebleu leaves a -1 placeholder in _ci when it did not resample.
        ci = abs(float(result._ci)) if n_boot > 1 else None
        if n_boot < self.n_bootstrap:
            # Signed with the settings it was scored under, as a run of many articles is:
            # one article alone is comparable with them (it just has no interval).
            import os

            scorer.n_bootstrap = self.n_bootstrap
            scorer.seed = os.environ.get("SACREBLEU_SEED", "12345").lower()
        return [Score(self.name, float(result.score), scorer.get_signature().format(),
                      self.higher_is_better, ci)]

    def documents(self, hyps: Sequence[str], refs: Sequence[Sequence[str]],
                  sources: Sequence[str]) -> list[list[Score]]:
        scorer = self._scorer(sentence=True)
        out = []
        for h, r in zip(hyps, refs, strict=True):
            s = scorer.sentence_score(h, list(r))
            out.append([Score(self.name, float(s.score), scorer.get_signature().format(),
                              self.higher_is_better)])
        return out


@register
class Bleu(_SacreBleu):
    name = "bleu"
    sacrebleu_class = "BLEU"
    # Short segments have no 4-gram matches; sacrebleu recommends this for sentence BLEU.
    sentence_options: ClassVar[dict[str, Any]] = {"effective_order": True}


@register
class ChrF(_SacreBleu):
    name = "chrf"
    sacrebleu_class = "CHRF"
    options: ClassVar[dict[str, Any]] = {"word_order": 2}  # chrF++


@register
class Ter(_SacreBleu):
    name = "ter"
    sacrebleu_class = "TER"
    higher_is_better = False


# How ROUGE-Lsum finds a text's sentences (rouge-score reads one sentence per line):
# ``ringkas`` the service's own splitter; ``nltk`` nltk's Punkt for English, the split of
# published summarisation figures and of Hugging Face's examples (needs nltk's
# ``punkt_tab`` data); ``newline`` the text's own lines, as rouge-score and Hugging Face
# ``evaluate`` read a text given as is.
LSUM_SPLITS = ("ringkas", "nltk", "newline")


class MetricSetupError(ValueError):
    """A metric cannot be scored as asked on this machine (missing data, unknown option)."""


def check_lsum_split(split: str) -> None:
    """Raise :class:`MetricSetupError` unless ``split`` can be used here: known before any
    summary is written, not after."""
    if split not in LSUM_SPLITS:
        raise MetricSetupError(f"unknown ROUGE-Lsum split {split!r}; known: "
                               f"{', '.join(LSUM_SPLITS)}")
    if split == "nltk":
        import nltk

        try:
            nltk.data.find("tokenizers/punkt_tab/english/")
        except LookupError:
            raise MetricSetupError(
                "--lsum-split nltk needs nltk's Punkt data: "
                "python -m nltk.downloader punkt_tab") from None


def _splitter(split: str) -> Any:
    if split == "ringkas":
        from service.text.segment import split_sentences

        return lambda text: split_sentences(text, "en")
    if split == "nltk":
        import nltk

        return lambda text: nltk.sent_tokenize(text, language="english")
    return lambda text: [line for line in text.split("\n") if line.strip()]


@register
class Rouge(Metric):
    """ROUGE-1/2/L/Lsum F1 (x100) with rouge-score; multi-reference = best reference."""

    name = "rouge"
    TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")

    def __init__(self, n_bootstrap: int = N_BOOTSTRAP, seed: int = 12345,
                 lsum_split: str = "ringkas") -> None:
        check_lsum_split(lsum_split)
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.lsum_split = lsum_split

    def _signature(self) -> str:
        from importlib.metadata import version

        return (f"rouge-score:{version('rouge-score')}|types:{','.join(self.TYPES)}|"
                f"stemmer:porter|multiref:max|lsum-split:{self.lsum_split}|"
                f"bs:{self.n_bootstrap}|seed:{self.seed}")

    def _per_doc(self, hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
        from rouge_score import rouge_scorer

        split = _splitter(self.lsum_split)

        def lines(text: str) -> str:  # rougeLsum reads one sentence per line
            return "\n".join(split(text))

        scorer = rouge_scorer.RougeScorer(list(self.TYPES), use_stemmer=True)
        return [scorer.score_multi([lines(r) for r in rs], lines(h))
                for h, rs in zip(hyps, refs, strict=True)]

    def corpus(self, hyps: Sequence[str], refs: Sequence[Sequence[str]],
               sources: Sequence[str]) -> list[Score]:
        import numpy as np

        per_doc = self._per_doc(hyps, refs)
        rng = np.random.default_rng(self.seed)
        scores = []
        for t in self.TYPES:
            values = np.array([d[t].fmeasure * 100 for d in per_doc])
            ci = None
            if len(values) > 1 and self.n_bootstrap > 1:
                means = rng.choice(values, (self.n_bootstrap, len(values))).mean(axis=1)
                lo, hi = np.percentile(means, [2.5, 97.5])
                ci = float(hi - lo) / 2
            scores.append(Score(t, float(values.mean()), self._signature(), True, ci))
        return scores

    def documents(self, hyps: Sequence[str], refs: Sequence[Sequence[str]],
                  sources: Sequence[str]) -> list[list[Score]]:
        return [[Score(t, d[t].fmeasure * 100, self._signature()) for t in self.TYPES]
                for d in self._per_doc(hyps, refs)]


# A summary whose word 3-grams repeat this much is degenerate (a loop, a pasted sentence).
REPEATED_SHARE = 0.3


def repeated_share(text: str, n: int = 3) -> float:
    """The share of a text's word n-grams that are a repeat of an earlier one."""
    words = text.lower().split()
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    return 1 - len(set(grams)) / len(grams) if grams else 0.0


# What ends a complete sentence, and what may close after it (a quote, a bracket).
_FINAL = ".!?\u2026"
_CLOSERS = "\"'\u201d\u2019)]"


def truncated(text: str) -> bool:
    """A summary cut off mid-sentence (decoding stopped at its length limit)."""
    tail = text.rstrip().rstrip(_CLOSERS)
    return bool(tail) and tail[-1] not in _FINAL


@register
class Length(Metric):
    """Summary length in words and sentences, compression (summary words / article words),
    the share of summaries that repeat themselves (``repetition_pct``) and that stop
    mid-sentence (``truncated_pct``): what BLEU against a short reference does not see when
    summaries shrink to a sentence, loop or are cut off."""

    name = "length"

    def corpus(self, hyps: Sequence[str], refs: Sequence[Sequence[str]],
               sources: Sequence[str]) -> list[Score]:
        from service.text.segment import split_sentences

        words = [len(h.split()) for h in hyps]
        sentences = [len(split_sentences(h, "en")) for h in hyps]
        ratios = [w / max(1, len(s.split())) for w, s in zip(words, sources, strict=True)]
        looped = [repeated_share(h) >= REPEATED_SHARE for h in hyps]
        cut = [truncated(h) for h in hyps]
        sig = (f"words:whitespace|sentences:ringkas-split|compression:summary/article|"
               f"repetition:3gram>={REPEATED_SHARE}|truncated:no-final-punctuation")

        def avg(values: Sequence[float]) -> float:
            return mean(values) if values else 0.0

        return [Score("words", avg(words), sig, True),
                Score("sentences", avg(sentences), sig, True),
                Score("compression", avg(ratios), sig, False),
                Score("repetition_pct", 100 * avg(looped), sig, False),
                Score("truncated_pct", 100 * avg(cut), sig, False)]


# English closed-class words: what a summary shares with any English text, not content.
_FUNCTION_WORDS_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own s same she should so some such t than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself
yourselves said says say
"""
_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())


def _content(text: str, stem: bool) -> list[str]:
    from rouge_score import tokenizers

    return [t for t in tokenizers.DefaultTokenizer(use_stemmer=stem).tokenize(text)
            if t not in _FUNCTION_WORDS]


def _bigrams(tokens: Sequence[str]) -> set[tuple[str, str]]:
    return set(pairwise(tokens))


@register
class Coverage(Metric):
    """What a summary holds of what it should, as SummEval's statistics read it:
    ``reference_coverage``, the share of a reference's content words (stemmed, English
    function words aside) the summary has (best reference); ``reference_length_ratio``, its
    words over the references' mean words; ``novel_bigrams_pct``, the share of its bigrams
    the article's English original does not have (only where the set has one: how much it
    rewrites rather than copies)."""

    name = "coverage"

    def __init__(self, sources_en: Sequence[str | None] | None = None) -> None:
        self.sources_en = sources_en

    def _doc(self, hyp: str, refs: Sequence[str], english: str | None
             ) -> tuple[float, float, float | None, int]:
        mine = set(_content(hyp, stem=True))
        covered = max((len(mine & set(_content(r, stem=True)))
                       / max(1, len(set(_content(r, stem=True)))) for r in refs), default=0.0)
        ref_words = mean(len(r.split()) for r in refs) if refs else 0
        ratio = len(hyp.split()) / ref_words if ref_words else 0.0
        novel, grams = None, 0
        if english is not None:
            from rouge_score import tokenizers

            tokenise = tokenizers.DefaultTokenizer(use_stemmer=False).tokenize
            own = _bigrams(tokenise(hyp))
            grams = len(own)
            novel = 100 * len(own - _bigrams(tokenise(english))) / grams if grams else 0.0
        return 100 * covered, ratio, novel, grams

    def corpus(self, hyps: Sequence[str], refs: Sequence[Sequence[str]],
               sources: Sequence[str]) -> list[Score]:
        english = list(self.sources_en or [None] * len(hyps))
        found = [self._doc(h, r, e) for h, r, e in zip(hyps, refs, english, strict=True)]
        sig = ("ringkas-coverage:v1|tokens:rouge-score|stemmer:porter|"
               "content:no-function-words|multiref:max|novel:bigrams-vs-english-original")
        scores = [Score("reference_coverage", mean(f[0] for f in found) if found else 0.0,
                        sig, True),
                  Score("reference_length_ratio", mean(f[1] for f in found) if found else 0.0,
                        sig, True)]
        novel = [(f[2], f[3]) for f in found if f[2] is not None]
        if novel:
            grams = sum(g for _, g in novel)
            pooled = sum(v * g for v, g in novel) / grams if grams else 0.0
            weight = float(grams) if len(hyps) == 1 else None
            scores.append(Score("novel_bigrams_pct", pooled, sig, True,
                                extra={"documents": len(novel)}, weight=weight))
        return scores

    def documents(self, hyps: Sequence[str], refs: Sequence[Sequence[str]],
                  sources: Sequence[str]) -> list[list[Score]]:
        english = self.sources_en or [None] * len(hyps)
        return [Coverage([e]).corpus([h], [r], [s])
                for h, r, s, e in zip(hyps, refs, sources, english, strict=True)]


@register
class Fidelity(Metric):
    """Trust in what a summary says: the share of its sentences the article supports
    (attribution coverage), the share of its numeric claims (numbers, amounts, percentages,
    years) the supporting sentences do not support, and unsupported names per summary."""

    name = "fidelity"

    def __init__(self, sources_en: Sequence[str | None] | None = None) -> None:
        # English versions of the articles where the evaluation set has them (NTREX's
        # originals): names the summary gives in English are checked against those too.
        self.sources_en = sources_en

    def corpus(self, hyps: Sequence[str], refs: Sequence[Sequence[str]],
               sources: Sequence[str]) -> list[Score]:
        from service.fidelity import check_summary, sources_from_text

        english = self.sources_en or [None] * len(hyps)
        # The same sources for every strategy (the article, and its English original where
        # the set has one), not each strategy's own translation: comparable across them.
        checked = [check_summary(h, sources_from_text(s, e))
                   for h, s, e in zip(hyps, sources, english, strict=True)]
        reports = [r for _, r in checked]
        sentences = sum(len(a.summary_sentences) for a, _ in checked)
        supported = sum(len(a.summary_sentences) - len(a.unsupported) for a, _ in checked)
        numeric = sum(r.numeric_claims for r in reports)
        bad = sum(r.numeric_claims * r.unsupported_numeric_rate for r in reports)
        entities = [sum(c.kind == "entity" for c in r.unsupported) for r in reports]
        # (claims and sentences pooled over the corpus: weighted rates, not means of rates)
        sig = ("ringkas-fidelity:v2|claims:per-sentence|source:article"
               + ("+english-original" if any(self.sources_en or ()) else ""))
        one = len(hyps) == 1  # a document's rate, weighed by what it is a rate over
        return [
            Score("attribution_coverage", 100 * supported / sentences if sentences else 100.0,
                  sig, True, extra={"summary_sentences": sentences},
                  weight=float(sentences) if one else None),
            Score("unsupported_numeric_pct", 100 * bad / numeric if numeric else 0.0, sig, False,
                  extra={"numeric_claims": numeric}, weight=float(numeric) if one else None),
            Score("unsupported_entities", mean(entities) if entities else 0.0, sig, False),
        ]

    def documents(self, hyps: Sequence[str], refs: Sequence[Sequence[str]],
                  sources: Sequence[str]) -> list[list[Score]]:
        english = self.sources_en or [None] * len(hyps)
        return [Fidelity([e] if e else None).corpus([h], [r], [s])
                for h, r, s, e in zip(hyps, refs, sources, english, strict=True)]
