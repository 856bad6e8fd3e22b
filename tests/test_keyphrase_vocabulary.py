"""Keyphrase word lists are data: the built-in file, mkdocs.yml settings over it, the cache key."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from generator.config import load_settings
from generator.errors import ConfigError
from generator.keyphrases import (
    RANKED_LIST,
    Document,
    KeyphraseSettings,
    extract_keyphrases,
    keyphrase_settings,
)
from generator.keyphrases.candidates import find_candidates
from generator.keyphrases.vocabulary import (
    DEFAULT_FILE,
    LIST_NAMES,
    configured_vocabulary,
    default_vocabulary,
    parse_vocabulary,
)
from tests.stand_in import StandInEmbedder

SEQUENCING = Document(
    "seq",
    "",
    "Nanopore sequencing errors are frequent. We correct sequencing errors with a consensus "
    "caller for long reads. Our proposed caller lowers error rates in clinical sequencing.",
)
DATA = Path(__file__).resolve().parents[1] / "generator" / "keyphrases" / DEFAULT_FILE


def texts(doc: Document, settings: KeyphraseSettings | None = None) -> list[str]:
    """Return a document's candidate texts under settings' word lists, uncapped."""
    vocabulary = (settings or KeyphraseSettings()).vocabulary
    found = find_candidates(doc.title, doc.text, 4, False, 0, vocabulary=vocabulary)
    return [c.text for c in found]


def project(folder: Path, keyphrases: str, files: dict[str, str] | None = None) -> Path:
    """Write a mkdocs.yml whose extra.paper_digest.keyphrases block is the given YAML."""
    for name, text in (files or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    config = folder / "mkdocs.yml"
    block = "".join(f"      {line}\n" for line in keyphrases.splitlines())
    config.write_text(f"site_name: t\nextra:\n  paper_digest:\n    keyphrases:\n{block}", "utf-8")
    return config


def test_the_data_file_holds_every_list_and_the_default_reads_it() -> None:
    raw = tomllib.loads(DATA.read_text("utf-8"))
    assert sorted(raw) == sorted(LIST_NAMES)
    vocabulary = default_vocabulary()
    for name, words in vocabulary.lists():
        assert words == frozenset(raw[name].split()), name
    assert {"the", "of"} <= vocabulary.stop and "novel" in vocabulary.vague
    assert {"learning", "model"} <= vocabulary.broad
    assert "reinforcement" not in vocabulary.generic


def test_default_settings_are_the_benchmarks_and_the_sites(tmp_path: Path) -> None:
    settings = load_settings(project(tmp_path, "{}"))
    assert keyphrase_settings(settings) == KeyphraseSettings(top_n=5, distinct=5)
    # What `paper-digest keyphrases` lists by default is what benchmarks.keyphrases scores.
    assert keyphrase_settings(settings, RANKED_LIST) == KeyphraseSettings(top_n=RANKED_LIST)


def test_added_and_removed_words_change_the_candidates(tmp_path: Path) -> None:
    config = project(
        tmp_path,
        "add:\n  ing_nouns: [sequencing]\n  vague: clinical frequent\nremove:\n  stop: our",
    )
    settings = keyphrase_settings(load_settings(config))
    assert "Nanopore sequencing errors" not in texts(SEQUENCING)
    assert "clinical sequencing" in texts(SEQUENCING)
    found = texts(SEQUENCING, settings)
    assert "Nanopore sequencing errors" in found
    assert "clinical sequencing" not in found


def test_a_vocabulary_file_replaces_the_lists_it_names(tmp_path: Path) -> None:
    words = 'broad = "caller"\nvague = ["frequent", "proposed"]\n'
    config = project(tmp_path, "vocabulary: words.toml", {"words.toml": words})
    vocabulary = keyphrase_settings(load_settings(config)).vocabulary
    assert vocabulary.broad == {"caller"}
    assert vocabulary.vague == {"frequent", "proposed"}
    assert vocabulary.stop == default_vocabulary().stop
    assert "caller" not in texts(SEQUENCING, KeyphraseSettings(vocabulary=vocabulary))


@pytest.mark.parametrize(
    ("keyphrases", "files", "message"),
    [
        ("vocabulary: words.toml", {"words.toml": 'vague = "a"\nnoise = "b"\n'},
         "words.toml:2: unknown word list 'noise'"),
        ("vocabulary: words.toml", {"words.toml": 'vague = "a"\n\nbroad = [1, 2\n'},
         "words.toml:3: not a valid word-list file"),
        ("vocabulary: words.toml", {"words.toml": "stop = 'a'\nvague = 3\n"},
         "words.toml:2: vague: expected words as one text or a list of texts"),
        ("vocabulary: missing.toml", {}, "keyphrases.vocabulary: cannot read missing.toml"),
        ("add:\n  verbs: [run]", {}, "keyphrases.add: unknown word list 'verbs'"),
        ("remove:\n  stop: 5", {}, "keyphrases.remove.stop: expected words"),
        ("add:\n  1: x\n  vague: y", {}, "keyphrases.add: unknown word list 1"),
        ("colour: red", {}, "keyphrases: unknown setting 'colour'"),
        ("vocabulary: [a, b]", {}, "keyphrases.vocabulary: expected a file name"),
        ("add: [sequencing]", {}, "keyphrases.add: expected a mapping of list names to words"),
    ],
)  # fmt: skip
def test_a_wrong_word_list_is_named_in_one_line(
    tmp_path: Path, keyphrases: str, files: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        keyphrase_settings(load_settings(project(tmp_path, keyphrases, files)))
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_changed_vocabulary_is_a_changed_extraction(tmp_path: Path) -> None:
    """The cache is keyed by the word lists: a change re-ranks, the same lists reuse it."""
    settings = KeyphraseSettings()
    first = extract_keyphrases([SEQUENCING], settings, tmp_path, StandInEmbedder())
    again = extract_keyphrases([SEQUENCING], settings, tmp_path, StandInEmbedder())
    broad = configured_vocabulary(None, None, {"broad": "nanopore"}, {})
    changed = replace(settings, vocabulary=broad)
    other = extract_keyphrases([SEQUENCING], changed, tmp_path, StandInEmbedder())
    assert (first.embedded, again.embedded, other.embedded) == (1, 0, 1)
    assert "Nanopore" in [k.text for k in first.keyphrases[SEQUENCING.id]]
    assert "Nanopore" not in [k.text for k in other.keyphrases[SEQUENCING.id]]


def test_parse_vocabulary_keeps_unnamed_lists() -> None:
    vocabulary = parse_vocabulary('participles = "frozen"\n', "mine.toml")
    assert vocabulary.participles == {"frozen"}
    assert vocabulary.ing_nouns == default_vocabulary().ing_nouns
    assert vocabulary.digest != default_vocabulary().digest


def test_an_edited_word_list_file_is_an_edited_setting(tmp_path: Path) -> None:
    """The up-to-date check hashes the settings: they hold the file's words, not its name."""
    config = project(tmp_path, "vocabulary: words.toml", {"words.toml": 'vague = "frequent"\n'})
    before = load_settings(config)
    (tmp_path / "words.toml").write_text('vague = "clinical"\n', encoding="utf-8")
    after = load_settings(config)
    assert repr(before) != repr(after)
    assert keyphrase_settings(after).vocabulary.vague == {"clinical"}
