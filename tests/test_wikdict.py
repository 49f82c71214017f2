"""The WikDict words the name check reads: the dictd entries inverted, Indonesian first."""

from __future__ import annotations

import gzip
from importlib import resources

from service.fidelity.lexicon import load_name_words
from service.fidelity.wikdict import DATA, extract

ENTRIES = """\
00-database-info
English-Bahasa Indonesia FreeDict+WikDict dictionary
airport //ˈɛə.pɔːt// //ˈɛɹ.pɔɹt// <n>
bandar udara, pelabuhan udara
place designated for airplanes
alliance //əˈlaɪ.əns// <n>
1. persekutuan
state of being allied
2. persekutuan, aliansi
treaty between nations
broadcast //ˈbɹɔːdkɑːst// <n>
siaran 2.
programme transmitted
 3.
transmission of a radio or television programme
the //ðə// <article>
itu
definite article
committee /[kɑmɪˈtiː]/ /[kəˈmɪt.i]/ <n>
komite, panitia (formal)
group of persons convened for the accomplishment of some specific purpose
"""


def test_the_dictionary_is_read_indonesian_first() -> None:
    lines = extract(ENTRIES).splitlines()
    assert lines == [
        "aliansi\talliance",
        "bandar udara\tairport",
        "komite\tcommittee",
        "pelabuhan udara\tairport",
        "persekutuan\talliance",
        "siaran\tbroadcast",
    ]
    # The English definitions ("place designated for airplanes") are never read as
    # Indonesian, a function word's entry ("the") is left out, and so is a sense with a
    # note the name check cannot use ("panitia (formal)").


def test_the_shipped_words_are_what_the_name_check_reads() -> None:
    shipped = gzip.decompress(resources.files("service.fidelity").joinpath(DATA).read_bytes())
    assert len(shipped.decode("utf-8").splitlines()) > 4000
    words = load_name_words()
    assert "committee" in words.glosses("komite")
    assert "airport" in words.phrases[("bandar", "udara")]
    assert "research" in words.glosses("penelitian")
