"""What matching a large glossary costs: a 10,000-entry glossary on a 1,400-character text
holding 450 of its terms, and on a 100,000-character text (the request limit).

    PYTHONPATH=. python -m tests.tools.glossary_bench [--entries 10000] [--repeat 5]

Prints CPU seconds (time.process_time) and wall seconds for building the matcher once, and
for one match of each text by the automaton (service/glossary/terms.py) and by the single
alternation regex of every term that defines the matches (and that matching used before),
after checking both find the same. A figure, not a test: it is not run by the test suite.
"""

from __future__ import annotations

import argparse
import random
import re
import string
import time
from collections.abc import Callable
from typing import Any

from service.glossary.enforce import enforce
from service.glossary.terms import Matcher, Terms


def glossary(size: int, rng: random.Random) -> dict[str, str]:
    """Terms of one to three words, a tenth acronyms, some capitalised; every two-letter
    word among them, so a short text can hold hundreds of occurrences."""
    entries: dict[str, str] = {}
    for a in string.ascii_lowercase:
        for b in string.ascii_lowercase[:8]:
            entries[a + b] = f"t{len(entries)}"
    while len(entries) < size:
        words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10)))
                 for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        term = " ".join(words)
        term = term.upper() if rng.random() < 0.1 else term.title() if rng.random() < 0.3 \
            else term
        entries.setdefault(term, f"t{len(entries)}")
    return entries


def alternation(terms: Terms) -> re.Pattern[str]:
    alternatives = []
    for source, _ in terms.entries:
        body = r"\s+".join(re.escape(p) for p in source.split())
        alternatives.append(body if source.isupper() else f"(?i:{body})")
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(CPU s, wall s) of the fastest of ``repeat`` calls, and the last result."""
    best_cpu = best_wall = float("inf")
    out = None
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        out = fn()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return best_cpu, best_wall, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rng = random.Random(25)
    entries = glossary(args.entries, rng)
    terms = Terms("id", "en", tuple(entries.items()))
    short = [t for t in entries if len(t) == 2]
    dense = " ".join(rng.choice(short) for _ in range(450))
    filler = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))
              for _ in range(2000)]
    long_text = " ".join(rng.choice(filler) for _ in range(20_000))[:100_000]

    cpu, wall, matcher = timed(lambda: Matcher(terms.entries), args.repeat)
    print(f"glossary: {len(entries)} entries")
    print(f"build   automaton               cpu {cpu:8.4f} s  wall {wall:8.4f} s")
    cpu, wall, finder = timed(lambda: alternation(terms), 1)
    print(f"build   alternation regex       cpu {cpu:8.4f} s  wall {wall:8.4f} s")
    for label, text in ((f"{len(dense):,} chars", dense), (f"{len(long_text):,} chars",
                                                            long_text)):
        expected = [m.span() for m in finder.finditer(text)]
        found = [m.span() for m, _ in matcher.finditer(text)]
        assert found == expected, "the automaton and the alternation disagree"
        cpu, wall, _ = timed(lambda t=text: [m.span() for m, _ in matcher.finditer(t)],
                             args.repeat)
        print(f"match   automaton   {label:>14}  cpu {cpu:8.4f} s  wall {wall:8.4f} s  "
              f"({len(found)} occurrences)")
        cpu, wall, _ = timed(lambda t=text: [m.span() for m in finder.finditer(t)], 1)
        print(f"match   alternation {label:>14}  cpu {cpu:8.4f} s  wall {wall:8.4f} s")
    cpu, wall, _ = timed(lambda: Terms("id", "en", tuple(entries.items())).occurrences(dense),
                         args.repeat)
    print(f"first request (build + match, {len(dense):,} chars)  cpu {cpu:8.4f} s  "
          f"wall {wall:8.4f} s")
    # Enforcement on top (service/glossary/enforce.py), the model a stand-in that copies.
    cpu, wall, _ = timed(lambda: enforce([dense], [dense], terms, list), args.repeat)
    print(f"enforce (match + steps 1-4, {len(dense):,} chars)  cpu {cpu:8.4f} s  "
          f"wall {wall:8.4f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
