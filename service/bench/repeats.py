"""Repeated and updated work, as newsroom traffic sends it, measured against the cold case
in the same process: the seed re-sent identical; the seed with one sentence changed and
one added; the English summary, then the Indonesian one, then the full translation of the
same article.

Cold figures come from an app without the translation memory and the result cache; each
warm case starts from an app of its own whose memory holds only what that case sent
before. Every figure is wall and CPU seconds of this process (the server runs in it).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from typing import Any

from service.bench.timing import Timing, ratio, timed

# Appended after the changed sentence's paragraph: a developing story's new line.
ADDED_SENTENCE = "Program tersebut akan diperluas ke dua puluh sentra lain pada tahun depan."
# A correction: the changed sentence gets this before its final stop.
CORRECTION = ", menurut keterangan resmi kementerian"

Post = Callable[[str, Mapping[str, Any]], dict[str, Any]]
# A fresh app (memory on, empty) and the way to post to it; or the cold one.
Serve = Callable[[bool], Post]
# Seconds from sending ``body`` to ``path`` as a streamed request to each event's arrival.
Stream = Callable[[str, Mapping[str, Any]], list[tuple[str, float]]]


def updated_article(seed: str, sentences: list[str]) -> str:
    """``seed`` with its second sentence corrected and a sentence added after that
    sentence's paragraph (paragraphs are blank-line separated)."""
    target = sentences[1]
    paragraphs = seed.split("\n\n")
    for i, paragraph in enumerate(paragraphs):
        if target in paragraph:
            stop = target[-1] if target[-1] in ".!?" else ""
            changed = target[:len(target) - len(stop)] + CORRECTION + (stop or ".")
            paragraphs[i] = paragraph.replace(target, changed, 1)
            paragraphs.insert(i + 1, ADDED_SENTENCE)
            return "\n\n".join(paragraphs)
    raise ValueError("the seed's second sentence is not verbatim in its text")


def measure_stream(stream: Stream, seed: str, repeats: int) -> dict[str, Any]:
    """A streamed summary of the seed on the cold app: when the first event, the first
    translated sentences and the answer arrive (medians)."""
    firsts, translated, answers = [], [], []
    for _ in range(repeats):
        arrived = stream("/v1/summarize", {"text": seed, "length": "medium"})
        firsts.append(arrived[0][1])
        translated.append(next(t for name, t in arrived if name == "translation"))
        answers.append(next(t for name, t in arrived if name == "result"))
    return {"first_event_s": round(statistics.median(firsts), 4),
            "first_translation_s": round(statistics.median(translated), 4),
            "result_s": round(statistics.median(answers), 3)}


def measure_repeats(serve: Serve, seed: str, sentences: list[str],
                    repeats: int) -> dict[str, Any]:
    updated = updated_article(seed, sentences)
    summary = {"text": seed, "length": "medium"}
    summary_updated = {"text": updated, "length": "medium"}
    translate = {"text": seed, "source": "id", "target": "en"}
    translate_updated = {"text": updated, "source": "id", "target": "en"}
    desk: list[tuple[str, Mapping[str, Any]]] = [
        ("/v1/summarize", {"text": seed, "length": "medium", "languages": ["en"]}),
        ("/v1/summarize", {"text": seed, "length": "medium", "languages": ["id"]}),
        ("/v1/translate", translate)]
    cold = serve(False)

    def median(runs: list[Timing]) -> dict[str, float]:
        return {"wall_s": round(statistics.median(r.wall_s for r in runs), 3),
                "cpu_s": round(statistics.median(r.cpu_s for r in runs), 3)}

    def cold_runs(path: str, body: Mapping[str, Any]) -> dict[str, float]:
        return median([timed(lambda: cold(path, body)) for _ in range(repeats)])

    out: dict[str, Any] = {"cold": {
        "summary": cold_runs("/v1/summarize", summary),
        "summary_updated": cold_runs("/v1/summarize", summary_updated),
        "translate": cold_runs("/v1/translate", translate),
        "translate_updated": cold_runs("/v1/translate", translate_updated),
        "desk": median([timed(lambda: [cold(p, b) for p, b in desk])
                        for _ in range(repeats)]),
    }}

    # The seed re-sent identical: answered whole from the result cache.
    warm = serve(True)
    warm("/v1/summarize", summary)
    again = [timed(lambda: warm("/v1/summarize", summary)) for _ in range(max(20, repeats))]
    walls = sorted(r.wall_s for r in again)
    out["identical"] = {"p50_s": round(walls[len(walls) // 2], 4),
                        "max_s": round(walls[-1], 4),
                        "cpu_s": round(statistics.median(r.cpu_s for r in again), 4),
                        "requests": len(again)}

    def after(first: list[tuple[str, Mapping[str, Any]]], path: str,
              body: Mapping[str, Any]) -> dict[str, Any]:
        runs: list[Timing] = []
        answer: dict[str, Any] = {}
        for _ in range(repeats):
            post = serve(True)
            for p, b in first:
                post(p, b)

            def then(post: Post = post) -> None:
                answer.update(post(path, body))

            runs.append(timed(then))
        return {**median(runs), "translation_memory": answer.get("translation_memory")}

    out["updated_summary"] = after([("/v1/summarize", summary)], "/v1/summarize",
                                   summary_updated)
    out["updated_translate"] = after([("/v1/translate", translate)], "/v1/translate",
                                     translate_updated)

    def desk_run() -> Timing:
        post = serve(True)
        return timed(lambda: [post(p, b) for p, b in desk])

    out["desk"] = median([desk_run() for _ in range(repeats)])
    c = out["cold"]
    out["ratios_cpu"] = {
        "updated_summary": ratio(out["updated_summary"]["cpu_s"], c["summary_updated"]["cpu_s"]),
        "updated_translate": ratio(out["updated_translate"]["cpu_s"],
                                    c["translate_updated"]["cpu_s"]),
        "desk": ratio(out["desk"]["cpu_s"], c["desk"]["cpu_s"]),
    }
    return out


