"""Extractive baseline: the most central sentences of the article, by TF-IDF cosine."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
# Function words carry no topic; without them centrality follows content.
_STOPWORDS = frozenset((
    "yang", "dan", "di", "ke", "dari", "ini", "itu", "dengan", "untuk", "pada", "dalam",
    "adalah", "akan", "juga", "tidak", "oleh", "sebagai", "atau", "bahwa", "para", "serta",
    "telah", "sudah", "karena", "agar", "bagi", "hingga", "namun", "masih", "lebih",
    "secara", "tersebut", "ia", "mereka", "kami", "kita", "saya", "dia", "nya", "pun",
    "lagi", "antara", "yakni", "yaitu", "mulai", "baik", "maupun",
))


def _terms(sentence: str) -> list[str]:
    return [w for w in (m.lower() for m in _WORD.findall(sentence))
            if w not in _STOPWORDS and not w.isdigit()]


def rank(sentences: Sequence[str], n: int) -> list[int]:
    """Indices of the ``n`` most central sentences, in article order."""
    if n >= len(sentences):
        return list(range(len(sentences)))
    docs = [Counter(_terms(s)) for s in sentences]
    vocab = sorted({t for d in docs for t in d})
    index = {t: i for i, t in enumerate(vocab)}
    df = Counter(t for d in docs for t in d)
    idf = np.array([math.log((1 + len(docs)) / (1 + df[t])) + 1 for t in vocab])
    matrix = np.zeros((len(docs), len(vocab)))
    for row, doc in enumerate(docs):
        for term, count in doc.items():
            matrix[row, index[term]] = count
    matrix *= idf
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, 0.0)
    centrality = similarity.sum(axis=1)
    # Ties go to the earlier sentence: news puts the essentials first.
    best = sorted(range(len(sentences)), key=lambda i: (-round(float(centrality[i]), 9), i))[:n]
    return sorted(best)
