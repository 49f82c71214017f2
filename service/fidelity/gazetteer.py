"""Countries, nationalities, cities and international organisations in Indonesian and
English, as lexicon entries: "Yunani" stands for "Greece" and "Greek", "Uni Eropa" for
"European Union". An English summary of an Indonesian article names them in English; the
name check reads the article through these entries.

Territory names and the exemplar cities of CLDR's time zones come from the Unicode CLDR
through Babel (Unicode licence; Babel's BSD licence); a language's name stands for its
people's adjective too ("Yunani": "Greek"). What CLDR does not hold — organisations, the
nationality words of Indonesian news, other spellings — is in ``data/gazetteer.tsv``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources

from service.fidelity.entities import fold
from service.fidelity.words import normal

GAZETTEER_FILE = "data/gazetteer.tsv"
# Compass words of a place name: "Korea Selatan" is "South Korea", word by word without them.
_COMPASS = {"utara": "north", "selatan": "south", "timur": "east", "barat": "west",
            "tengah": "central", "raya": "great"}


def _words(name: str) -> list[str]:
    return fold(name).replace("-", " ").replace(",", " ").split()


def _pairs() -> Iterator[tuple[str, str]]:
    """(Indonesian name, English name) pairs from CLDR."""
    from babel import Locale

    ind, eng = Locale("id"), Locale("en")
    for code, name in ind.territories.items():
        english = eng.territories.get(code)
        if english and not code.isdigit():
            yield name, english
    for code, name in ind.languages.items():
        english = eng.languages.get(code)
        if english:
            yield name, english
    english_zones = eng.time_zones
    for zone, names in ind.time_zones.items():
        city = names.get("city")
        english = (english_zones.get(zone, {}).get("city")
                   or zone.rsplit("/", 1)[-1].replace("_", " "))
        if city and not zone.startswith("Etc/"):
            yield city, english


def demonyms(name: str) -> frozenset[str]:
    """The adjectives English may form from a one-word country name ("Bolivia":
    "Bolivian"; "Chile": "Chilean"; "Sudan": "Sudanese"): candidates, not a grammar, so an
    Indonesian country word also stands for its people's adjective."""
    stem_ = name[:-1] if name[-1:] in "aeiouy" else name
    return frozenset({name + "n", name + "an", name + "ian", name + "ese", name + "i",
                      stem_ + "an", stem_ + "ian", stem_ + "ese", stem_ + "ish", stem_ + "i"})


def _entries(indonesian: str, english: str) -> Iterator[tuple[tuple[str, ...], frozenset[str]]]:
    id_words, en_words = _words(indonesian), _words(english)
    if not id_words or not en_words:
        return
    if len(en_words) == 1 and len(id_words) == 1:
        # Indonesian news often keeps the English spelling ("Chile" beside CLDR's "Cile").
        for key in {id_words[0], en_words[0]}:
            yield (key,), frozenset(en_words) | demonyms(en_words[0])
        return
    if id_words == en_words:
        return
    yield tuple(id_words), frozenset(en_words)
    # The name's own word, compass words aside: "Makedonia" of "Makedonia Utara".
    id_core = [w for w in id_words if w not in _COMPASS]
    en_core = [w for w in en_words if w not in _COMPASS.values()]
    if len(id_words) > 1 and len(id_core) == 1 and len(en_core) == 1:
        yield (id_core[0],), frozenset(en_core)


@cache
def gazetteer() -> tuple[tuple[tuple[str, ...], frozenset[str]], ...]:
    """(Indonesian words, English words) entries: CLDR's, then the shipped file's."""
    found: dict[tuple[str, ...], set[str]] = {}
    for indonesian, english in _pairs():
        for key, value in _entries(indonesian, english):
            found.setdefault(key, set()).update(value)
    text = resources.files("service.fidelity").joinpath(GAZETTEER_FILE).read_text(
        encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        indonesian, _, english = line.partition("\t")
        key = tuple(_words(indonesian))
        found.setdefault(key, set()).update(w for e in english.split(";")
                                            for w in _words(e))
    return tuple((k, frozenset(v)) for k, v in found.items())


@cache
def place_words() -> frozenset[str]:
    """English words of CLDR's territory names and their adjectives ("korea", "korean",
    "south"): a speaker named only by them is a nationality, not a person."""
    from babel import Locale

    out: set[str] = set(_COMPASS.values())
    for name in Locale("en").territories.values():
        for w in _words(name):
            out.add(w)
            out |= demonyms(w)
    return frozenset(out)



# The country of the articles checked, and its adjective: an Indonesian article's
# ministries, agencies and figures are Indonesia's without its saying so.
HOME = ("Indonesia", "Indonesian")


def home_words() -> frozenset[str]:
    return frozenset(normal(fold(w)) for w in HOME)
