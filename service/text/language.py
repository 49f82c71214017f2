"""Which language a text is in: py3langid (langid.py's model, shipped with the package).

The identifier is restricted to the languages a newsroom in Indonesia plausibly receives, so
that rare labels do not steal short or proper-noun-heavy texts. It is built on first use
(loading the model takes about a second), never at import time.
"""

from __future__ import annotations

import threading
from typing import Any

from service.languages import LANGUAGES as SERVED

# Indonesian, its near neighbours and regional languages that langid knows (Malay, Javanese;
# Sundanese is not in its model), English, and the other languages wire copy arrives in.
LABELS = ("id", "ms", "en", "jv", "tl", "nl", "de", "fr", "es", "pt", "zh", "ja", "ar")
NAMES = {"id": "Indonesian", "ms": "Malay", "en": "English", "jv": "Javanese",
         "tl": "Tagalog", "nl": "Dutch", "de": "German", "fr": "French", "es": "Spanish",
         "pt": "Portuguese", "zh": "Chinese", "ja": "Japanese", "ar": "Arabic"}
# Malay and Indonesian share most of their vocabulary: a Malay label on Indonesian text is
# common (about one NTREX Indonesian line in ten) and not a reason to warn.
COMPATIBLE = {"id": frozenset({"id", "ms"}), "en": frozenset({"en"})}

# Shorter texts (a headline, a name) are not judged: character n-grams say too little.
MIN_CHARS = 20
# Below this the identifier is unsure (proper nouns, numbers, mixed text): no warning.
CONFIDENT = 0.9
# The opening of a long text says as much as the whole of it, for a fraction of the time.
SAMPLE_CHARS = 5000

_lock = threading.Lock()
_identifier: Any = None


def _get_identifier() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(LABELS))
            _identifier = identifier
        return _identifier


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, confidence 0-1) of ``text``'s language; ("und", 0.0) when the text
    is too short to judge."""
    sample = " ".join(text[:SAMPLE_CHARS].split())
    if len(sample) < MIN_CHARS:
        return "und", 0.0
    lang, confidence = _get_identifier().classify(sample)
    return str(lang), float(confidence)


def name(code: str) -> str:
    return NAMES.get(code, code)


def unexpected(text: str, expected: str) -> tuple[str, float] | None:
    """(language, confidence) when ``text`` is confidently not in ``expected`` (or a
    language compatible with it), else None. Short or ambiguous texts are not judged."""
    lang, confidence = detect(text)
    if lang == "und" or confidence < CONFIDENT:
        return None
    if lang in COMPATIBLE.get(expected, frozenset({expected})):
        return None
    return lang, confidence


def describe(lang: str, confidence: float, expected: str) -> str:
    return (f"looks like {name(lang)} ({lang}, confidence {confidence:.2f}), not "
            f"{name(expected)} ({expected})")


def likelier_language(text: str) -> tuple[str, float]:
    """The likelier of the languages ringkas serves for ``text``, and its probability (0-1):
    the one guess every route makes (LibreTranslate's auto, DeepL's missing source_lang,
    a document's source)."""
    return rank_among(text, SERVED)[0]


def rank_among(text: str, codes: tuple[str, ...]) -> list[tuple[str, float]]:
    """(code, probability 0-1) for each of ``codes``, most likely first; a code's labels
    compatible with it (Malay for Indonesian) count for it. Short texts are judged too: a
    caller asking among two languages wants a best guess, not a refusal."""
    sample = " ".join(text[:SAMPLE_CHARS].split())
    probs = {str(lang): float(p) for lang, p in _get_identifier().rank(sample)}
    scored = [(code, sum(probs.get(label, 0.0)
                         for label in COMPATIBLE.get(code, frozenset({code}))))
              for code in codes]
    return sorted(scored, key=lambda item: -item[1])
