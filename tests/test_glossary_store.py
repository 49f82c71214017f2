"""The glossary store: DeepL's entry rules for TSV and CSV, server-wide files, API-created
glossaries owned by their key, and resolving a request's glossary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.config import ConfigError
from service.errors import InvalidField, QuotaExceeded, RingkasError
from service.glossary import GlossaryNotFound, InvalidGlossary, check_entries, parse_entries
from service.glossary.store import Glossary, GlossaryStore, load_dir, policy


def code_of(exc: pytest.ExceptionInfo[RingkasError]) -> str:
    return exc.value.code


def test_tsv_and_csv_entries() -> None:
    assert parse_entries("\ufeffKemenperin\tMinistry of Industry\n\n BI \tBank Indonesia\n") \
        == (("Kemenperin", "Ministry of Industry"), ("BI", "Bank Indonesia"))
    csv = 'Kemenperin,"Ministry of Industry, Indonesia"\r\nBI,Bank Indonesia,id,en\r\n'
    assert parse_entries(csv, "csv", source_lang="id", target_lang="en") == (
        ("Kemenperin", "Ministry of Industry, Indonesia"), ("BI", "Bank Indonesia"))


@pytest.mark.parametrize(("text", "fmt", "code", "details"), [
    ("a\tb\na\tc\n", "tsv", "duplicate_glossary_source", {"line": 2, "term": "a"}),
    ("a\t \n", "tsv", "empty_glossary_term", {"line": 1}),
    ("a\tb\tc\n", "tsv", "invalid_glossary_entries", {"line": 1}),
    ("a\x85b\tc\n", "tsv", "invalid_glossary_entries", {"line": 1}),
    ("a,b,en,id\n", "csv", "glossary_language_mismatch", {"line": 1}),
    ('"a,b\n', "csv", "invalid_glossary_entries", {"line": 1}),
    ("a\tb\n", "xlsx", "unsupported_glossary_format", {}),
    ("x" * 1025 + "\ty\n", "tsv", "glossary_term_too_long", {"line": 1}),
])
def test_entries_that_break_a_rule(text: str, fmt: str, code: str,
                                   details: dict[str, object]) -> None:
    with pytest.raises(InvalidGlossary) as exc:
        parse_entries(text, fmt, source_lang="id", target_lang="en")
    assert exc.value.code == code
    assert exc.value.details == details


def test_size_limits() -> None:
    with pytest.raises(InvalidGlossary) as exc:
        parse_entries("".join(f"t{i}\tu{i}\n" for i in range(11)), limit=10)
    assert exc.value.code == "glossary_too_large"
    with pytest.raises(InvalidGlossary) as exc:
        check_entries({" a": "x", "a ": "y"})
    assert exc.value.code == "duplicate_glossary_source"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_server_wide_glossaries_are_read_from_the_directory(tmp_path: Path) -> None:
    folder = tmp_path / "glossaries"
    write(folder, "newsroom.id-en.tsv", "Kemenperin\tMinistry of Industry\n")
    write(folder, "newsroom.en-id.csv", "Ministry of Industry,Kemenperin\n")
    write(folder, "README.md", "not a glossary")
    store = GlossaryStore(folder, tmp_path / "data")
    assert [(g.name, g.source_lang, g.target_lang, g.server) for g in store.list()] == [
        ("newsroom", "en", "id", True), ("newsroom", "id", "en", True)]
    again = GlossaryStore(folder, tmp_path / "data")
    assert [g.glossary_id for g in again.list()] == [g.glossary_id for g in store.list()]
    assert {g.target_lang for g in store.named("newsroom")} == {"en", "id"}
    first = store.list()[0]
    assert store.named(first.glossary_id) == [first] == [store.get(first.glossary_id)]
    with pytest.raises(InvalidGlossary) as exc:
        store.delete(store.list()[0].glossary_id)
    assert exc.value.code == "glossary_read_only"


@pytest.mark.parametrize(("name", "text"), [
    ("bad.id-en.tsv", "a\tb\na\tc\n"), ("bad.id-fr.tsv", "a\tb\n")])
def test_a_bad_server_file_fails_the_start(tmp_path: Path, name: str, text: str) -> None:
    write(tmp_path, name, text)
    with pytest.raises(ConfigError, match=name):
        load_dir(tmp_path)


def test_created_glossaries_belong_to_their_key(tmp_path: Path) -> None:
    store = GlossaryStore(None, tmp_path)
    mine = store.create("desk", "id", "en", "Kemenperin\tMinistry of Industry\n", owner="1")
    other = store.create("desk", "id", "en", (("BI", "Bank Indonesia"),), owner="2")
    shared = store.create("shared", "en", "id", "a,b\n", entries_format="csv")
    assert mine.entry_count == 1 and len(mine.glossary_id) == 36
    assert [g.glossary_id for g in store.list("1")] == [mine.glossary_id]
    assert [g.glossary_id for g in store.list(None)] == [shared.glossary_id]
    assert store.entries(mine.glossary_id, "1") == (("Kemenperin", "Ministry of Industry"),)
    # A new store on the same data dir sees them (persisted).
    assert GlossaryStore(None, tmp_path).get(other.glossary_id, "2").entries == (
        ("BI", "Bank Indonesia"),)
    for owner in ("2", None):
        with pytest.raises(GlossaryNotFound):
            store.get(mine.glossary_id, owner)
        with pytest.raises(GlossaryNotFound):
            store.delete(mine.glossary_id, owner)
    assert store.named("desk", "1")[0].glossary_id == mine.glossary_id
    assert store.named(mine.glossary_id, "1")[0].name == "desk"
    store.delete(mine.glossary_id, "1")
    with pytest.raises(GlossaryNotFound) as exc:
        store.get(mine.glossary_id, "1")
    assert exc.value.code == "glossary_not_found" and exc.value.status == 404


@pytest.mark.parametrize(("args", "code"), [
    (("", "id", "en", "a\tb"), "invalid_glossary_name"),
    (("x", "id", "fr", "a\tb"), "unsupported_language_pair"),
    (("x", "id", "id", "a\tb"), "unsupported_language_pair"),
    (("x", "id", "en", ""), "empty_glossary"),
    (("x", "id", "en", (("a", "b"), ("a", "c"))), "duplicate_glossary_source"),
])
def test_creating_a_bad_glossary(tmp_path: Path, args: tuple[object, ...], code: str) -> None:
    with pytest.raises((InvalidGlossary, InvalidField)) as exc:
        GlossaryStore(None, tmp_path).create(*args)  # type: ignore[arg-type]
    assert exc.value.code == code


def test_without_a_data_dir_nothing_can_be_created() -> None:
    store = GlossaryStore(None, None)
    assert store.list() == []
    with pytest.raises(InvalidGlossary) as exc:
        store.create("x", "id", "en", "a\tb")
    assert exc.value.code == "glossary_storage_unavailable"


def test_inline_entries_go_over_the_named_glossary(tmp_path: Path) -> None:
    folder = tmp_path / "g"
    write(folder, "newsroom.id-en.tsv", "Kemenperin\tMinistry of Industry\nBI\tBI\n")
    store = GlossaryStore(folder, None)
    p = policy(store.named("newsroom"), {"BI": "Bank Indonesia"}, ("id", "en"), "newsroom")
    terms = p.for_pair("id", "en")
    assert terms is not None and dict(terms.entries) == {
        "Kemenperin": "Ministry of Industry", "BI": "Bank Indonesia"}
    assert p.for_pair("en", "id") is None
    # Acronyms match case-sensitively; other terms in any case, on whole words only.
    assert terms.occurrences("BI dan bi, kemenperin; Kemenperinnya") == {
        ("BI", "Bank Indonesia"): 1, ("Kemenperin", "Ministry of Industry"): 1}


def test_each_key_keeps_a_bounded_number_of_glossaries_and_entries(tmp_path: Path) -> None:
    store = GlossaryStore(None, tmp_path, max_per_owner=2, max_entries_per_owner=3)
    store.create("a", "id", "en", "kucing\tcat\n", owner="k1")
    store.create("b", "id", "en", "anjing\tdog\nburung\tbird\n", owner="k1")
    with pytest.raises(QuotaExceeded) as info:
        store.create("c", "id", "en", "ikan\tfish\n", owner="k1")
    assert info.value.code == "glossary_limit" and info.value.details == {"limit": 2}
    with pytest.raises(QuotaExceeded) as info:
        store.create("d", "id", "en", "a\tb\nc\td\ne\tf\ng\th\n", owner="k2")
    assert info.value.code == "glossary_entries_limit"
    store.create("d", "id", "en", "a\tb\n", owner="k2")  # another key's share is its own
    store.delete(store.list("k1", server=False)[0].glossary_id, "k1")
    store.create("c", "id", "en", "ikan\tfish\n", owner="k1")  # room again after a delete


def test_concurrent_creations_never_pass_the_cap(tmp_path: Path) -> None:
    from tests.test_batcher import run_concurrently

    store = GlossaryStore(None, tmp_path, max_per_owner=5)
    store.list("k")  # the schema made before the race
    results = run_concurrently([
        lambda i=i: GlossaryStore(None, tmp_path, max_per_owner=5).create(
            f"g{i}", "id", "en", "kucing\tcat\n", owner="k") for i in range(20)])
    # Anything but a glossary or a refusal (a lock error, a thread still running) is named.
    assert [r for r in results if not isinstance(r, (Glossary, QuotaExceeded))] == []
    refused = [r.code for r in results if isinstance(r, QuotaExceeded)]
    assert len(store.list("k", server=False)) == 5
    assert refused == ["glossary_limit"] * 15


def test_a_glossary_of_two_dictionaries_counts_once_and_its_entries_each(
        tmp_path: Path) -> None:
    store = GlossaryStore(data_dir=tmp_path, max_per_owner=1, max_entries_per_owner=4)
    both = store.create_group("desk", [("id", "en", "Presiden\tPresident\n", "tsv"),
                                       ("en", "id", "President\tPresiden\n", "tsv")])
    assert [(d.source_lang, d.target_lang) for d in both.dictionaries] == [("en", "id"),
                                                                           ("id", "en")]
    assert {d.glossary_id for d in both.dictionaries} == {both.glossary_id}
    with pytest.raises(QuotaExceeded) as over:  # one glossary, however many dictionaries
        store.create("other", "id", "en", "a\tb\n")
    assert code_of(over) == "glossary_limit"
    merged = store.put_dictionary(both.glossary_id, ("id", "en", "Menteri\tMinister\n", "tsv"),
                                  merge=True)
    assert dict(merged.entries) == {"Presiden": "President", "Menteri": "Minister"}
    with pytest.raises(QuotaExceeded) as full:  # 3 held; 2 more would make 5 of 4
        store.put_dictionary(both.glossary_id, ("en", "id", "a\tb\nc\td\ne\tf\n", "tsv"))
    assert code_of(full) == "glossary_entries_limit"
    assert sorted(store.named(both.glossary_id), key=lambda d: d.source_lang) == list(
        store.group(both.glossary_id).dictionaries)
    store.delete_dictionary(both.glossary_id, "id", "en")
    store.delete_dictionary(both.glossary_id, "en", "id")  # the last: the glossary goes
    with pytest.raises(GlossaryNotFound):
        store.group(both.glossary_id)


def test_a_database_from_before_dictionaries_keeps_its_glossaries(tmp_path: Path) -> None:
    import json
    import sqlite3

    with sqlite3.connect(tmp_path / "glossaries.sqlite3") as conn:
        conn.executescript("""CREATE TABLE glossaries (id TEXT PRIMARY KEY, name TEXT NOT NULL,
            source_lang TEXT NOT NULL, target_lang TEXT NOT NULL, entries TEXT NOT NULL,
            creation_time TEXT NOT NULL, owner TEXT);""")
        conn.execute("INSERT INTO glossaries VALUES (?, ?, ?, ?, ?, ?, ?)",
                     ("g-old", "old", "id", "en", json.dumps([["a", "b"]]),
                      "2026-01-01T00:00:00Z", "7"))
    store = GlossaryStore(data_dir=tmp_path)
    old = store.get("g-old", "7")
    assert (old.glossary_id, old.name, old.entries) == ("g-old", "old", (("a", "b"),))
    assert [g.glossary_id for g in store.groups("7")] == ["g-old"]
    store.put_dictionary("g-old", ("en", "id", "b\ta\n", "tsv"), owner="7")
    assert len(store.group("g-old", "7").dictionaries) == 2


def test_an_edit_changes_all_or_nothing(tmp_path: Path) -> None:
    store = GlossaryStore(data_dir=tmp_path)
    g = store.create_group("desk", [("id", "en", "a\tb\n", "tsv")])
    for bad in ({"dictionaries": [("id", "en", "c\td\n", "tsv"), ("en", "id", "no tab", "tsv")]},
                {"dictionaries": [("id", "en", "e\tf\n", "tsv")], "name": "   "},
                {"dictionaries": [("id", "en", "g\th\n", "tsv"), ("id", "en", "i\tj\n", "tsv")]}):
        with pytest.raises(RingkasError):
            store.edit(g.glossary_id, bad["dictionaries"], name=bad.get("name"), merge=True)
    assert store.group(g.glossary_id).dictionaries[0].entries == (("a", "b"),)
    assert store.group(g.glossary_id).name == "desk"


def test_an_edit_acts_on_what_it_reads_under_the_lock(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A glossary deleted (or changed) by another process while an edit parses its entries:
    the edit finds it gone, never writes it back from a stale read."""
    store = GlossaryStore(data_dir=tmp_path)
    gone = store.create_group("desk", [("id", "en", "a\tb\n", "tsv")])
    merged = store.create_group("wire", [("id", "en", "a\tb\n", "tsv")])
    parse = GlossaryStore._parse

    def meanwhile(then: Callable[[GlossaryStore], object]) -> None:
        def hooked(self: GlossaryStore, *args: Any) -> Any:
            monkeypatch.setattr(GlossaryStore, "_parse", parse)  # once
            then(GlossaryStore(data_dir=tmp_path))
            return parse(self, *args)
        monkeypatch.setattr(GlossaryStore, "_parse", hooked)

    meanwhile(lambda other: other.delete(gone.glossary_id))
    with pytest.raises(GlossaryNotFound):
        store.put_dictionary(gone.glossary_id, ("en", "id", "b\ta\n", "tsv"))
    assert [g.glossary_id for g in store.groups()] == [merged.glossary_id]  # not back
    meanwhile(lambda other: other.put_dictionary(merged.glossary_id,
                                                 ("id", "en", "c\td\n", "tsv"), merge=True))
    store.put_dictionary(merged.glossary_id, ("id", "en", "e\tf\n", "tsv"), merge=True)
    assert dict(store.group(merged.glossary_id).dictionaries[0].entries) == {
        "a": "b", "c": "d", "e": "f"}  # the other merge kept


def test_a_glossary_is_matched_by_one_matcher_per_version(tmp_path: Path) -> None:
    """Every request naming a glossary uses the automaton its first one built, by name or
    by id; an edit (another version) gets its own."""
    from service.contract.glossary_asks import GlossaryById, NamedGlossary

    store = GlossaryStore(None, tmp_path)
    made = store.create("desk", "id", "en", "kucing\tcat\nanjing\tdog\n")

    def matchers() -> list[object]:
        by_name = NamedGlossary(("id", "en"), "desk").resolve(store, None)
        by_id = GlossaryById(made.glossary_id, ("id", "en")).resolve(store, None)
        return [p.dictionaries[0].matcher for p in (by_name, by_id)]

    first = matchers()
    assert first[0] is not None and first[0] is first[1]
    assert matchers() == first and all(a is b for a, b in zip(matchers(), first, strict=True))
    store.edit(made.glossary_id, [("id", "en", "kucing\tkitty\n", "tsv")], merge=True)
    edited = matchers()
    assert edited[0] is edited[1] and edited[0] is not first[0]
    terms = NamedGlossary(("id", "en"), "desk").resolve(store, None).dictionaries[0]
    assert terms.substitute("kucing dan anjing") == "kitty dan dog"


def test_naming_a_glossary_reads_only_its_rows(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A request naming one glossary costs the same whatever else the key keeps: only the
    named glossary's rows are read, by name (the newest per pair) or by id."""
    import service.glossary.store as store_module

    store = GlossaryStore(None, tmp_path)
    for n in range(30):
        store.create(f"other{n}", "id", "en", "".join(f"k{n}x{i}\tv\n" for i in range(50)),
                     owner="k")
    old = store.create("desk", "id", "en", "kucing\tcat\n", owner="k")
    new = store.create("desk", "id", "en", "kucing\tkitty\n", owner="k")
    back = store.create("desk", "en", "id", "cat\tkucing\n", owner="k")
    store.create("desk", "id", "en", "kucing\tpus\n", owner="someone else")
    read: list[object] = []
    row = store_module._row

    def counted(r: tuple[object, ...]) -> Glossary:
        read.append(r)
        return row(r)

    monkeypatch.setattr(store_module, "_row", counted)
    assert [(g.glossary_id, g.entries) for g in store.named("desk", "k")] == [
        (new.glossary_id, (("kucing", "kitty"),)), (back.glossary_id, (("cat", "kucing"),))]
    assert len(read) == 3
    read.clear()
    assert [g.glossary_id for g in store.named(old.glossary_id, "k")] == [old.glossary_id]
    assert len(read) == 1
    assert store.named("desk", "nobody") == [] and store.named("other3", "k")[0].entry_count == 50


@pytest.mark.parametrize(("make", "field"), [
    (lambda s: check_entries({"kucing\ud800": "cat"}), "term"),
    (lambda s: check_entries({"kucing": "cat\udcff"}), "term"),
    (lambda s: parse_entries("kucing\ud800\tcat\n", "tsv"), "line"),
    (lambda s: parse_entries("kucing,\"cat\udfff\"\n", "csv"), "line"),
    (lambda s: s.create("desk", "id", "en", (("kucing\ud800", "cat"),)), "term"),
    (lambda s: s.create("desk\ud800", "id", "en", "kucing\tcat\n"), "field"),
])
def test_a_lone_surrogate_is_invalid_encoding(tmp_path: Path, make: Callable[[Any], Any],
                                              field: str) -> None:
    """Whoever hands the store entries or a name (the HTTP boundary refuses them first; the
    command line's argv can hold them): 400 invalid_encoding, as the boundary answers, never
    a UnicodeEncodeError from SQLite or the byte count."""
    store = GlossaryStore(None, tmp_path)
    with pytest.raises(RingkasError) as info:
        make(store)
    assert (info.value.status, info.value.code) == (400, "invalid_encoding")
    assert field in info.value.details
    assert store.list() == []


def test_a_lone_surrogate_names_no_glossary(tmp_path: Path) -> None:
    store = GlossaryStore(None, tmp_path)
    made = store.create("desk", "id", "en", "kucing\tcat\n")
    assert store.named("desk\ud800") == [] and store.named(made.glossary_id + "\udcff") == []
    for call in (lambda: store.group("x\ud800"), lambda: store.delete("x\ud800"),
                 lambda: store.edit("x\ud800", name="new")):
        with pytest.raises(GlossaryNotFound):
            call()
    assert [g.name for g in store.list()] == ["desk"]
