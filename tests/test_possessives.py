"""Whose is it: a possessive in a summary ("Chile's government") against the owners the
article gives the same thing ("pemerintah Bolivia")."""

from __future__ import annotations

import pytest

from service.fidelity import check_fidelity
from service.fidelity.possessives import owned

ARTICLE = [
    ("Mantan presiden Eduardo Rodríguez, wakil pemerintah Bolivia di Den Haag, menolak ide "
     "pengambilan keputusan pengadilan secara cepat.",
     "Former president Eduardo Rodríguez, the Bolivian government's representative in The "
     "Hague, rejected the idea of a quick court decision."),
    ("Chile menolak untuk berunding dengan Bolivia mengenai akses ke laut.",
     "Chile refused to negotiate with Bolivia over access to the sea."),
    ('"Saya akan menghadapi masalah besar jika negara ketiga mencampuri pasokan energi kami," '
     "kata Dieter Kempf, kepala federasi industri Jerman.",
     '"I have a big problem when a third state interferes in our energy supply," said Dieter '
     "Kempf, head of the German industry federation."),
    ("Rusia ingin meningkatkan ekspor energi Rusia ke Eropa.",
     "Russia wants to raise Russian energy exports to Europe."),
]
READINGS = {"with English": [e for _, e in ARTICLE], "without English": None}


@pytest.mark.parametrize("reading", READINGS)
@pytest.mark.parametrize(("summary", "issues"), [
    ("Bolivia's government rejected the idea of a quick court decision.", []),
    # a claim too short to place Chile by its words: only the owner tells
    ("Chile's government has said it will respect the ruling whatever the outcome.",
     [("Chile's", "participant_elsewhere")]),
    # the thing owned by pronoun ("pasokan energi kami", said by a German): no other owner
    # has the whole of it ("ekspor energi Rusia" owns no supply)
    ("Kempf said a third state interfering in Germany's energy supply would be a big "
     "problem.", []),
])
def test_a_possessive_is_checked_against_the_articles_owners(
        reading: str, summary: str, issues: list[tuple[str, str]]) -> None:
    report = check_fidelity(summary, [i for i, _ in ARTICLE], READINGS[reading])
    assert [(c.text, c.issue) for c in report.unsupported] == issues


def test_the_owned_thing_is_read_up_to_a_function_word() -> None:
    from service.fidelity.entities import extract_entities
    from service.fidelity.names import names_in
    from service.fidelity.words import stem

    text = "Bolivia's charismatic indigenous president faces a battle."
    (name,) = names_in(text, extract_entities(text))
    assert owned(text, name) == [stem(w) for w in ("charismatic", "indigenous", "president")]
    plain = "The court in Bolivia ruled."
    (name,) = names_in(plain, extract_entities(plain))
    assert owned(plain, name) == []
