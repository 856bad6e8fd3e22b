"""How far keyphrases move when vectors move: the case for float32 embeddings.

CPUs round differently: bfloat16 kernels (AMX-bf16 CPUs pick them by batch shape) move a vector
by about 1e-3, float32 kernels by about 1e-6. This adds Gaussian noise of a given size to the
vectors of the demo papers (candidates, title and paper) and counts the papers whose chosen
keyphrases (set or order) change. Real model, demo digests from tests/fixtures.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from generator.build import read_catalog
from generator.config import load_settings
from generator.keyphrases import Document, KeyphraseSettings
from generator.keyphrases.embedding import MiniLMEmbedder
from generator.keyphrases.extract import _candidates, document_text
from generator.keyphrases.ranking import Paper, rank

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "tests" / "fixtures" / "digests" / "demo"
SCALES = (1e-6, 1e-5, 1e-4, 3e-4, 1e-3)


def _unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=-1, keepdims=True)).astype(np.float32)


def embedded_papers(
    docs: list[Document], settings: KeyphraseSettings
) -> tuple[list[Paper], dict[str, np.ndarray]]:
    """Embed the documents' candidates, titles and texts once, as the extractor does."""
    model = MiniLMEmbedder(settings.doc_max_tokens, settings.bf16)
    found = [_candidates(doc, settings) for doc in docs]
    texts = {c.text for cands in found for c in cands} | {d.title.strip() for d in docs}
    known = dict(zip(sorted(texts - {""}), model.encode(sorted(texts - {""})), strict=True))
    vectors = model.encode([document_text(doc) for doc in docs])
    papers = [
        Paper(doc.id, tuple(cands), vector, doc.title.strip() or doc.id)
        for doc, cands, vector in zip(docs, found, vectors, strict=True)
    ]
    return papers, known


def changed_papers(
    papers: list[Paper], known: dict[str, np.ndarray], scale: float, settings: KeyphraseSettings
) -> int:
    """Count papers whose keyphrases change when every vector moves by noise of `scale`."""
    rng = np.random.default_rng(0)
    base = rank(papers, dict(known), settings.top_n, settings.diversity, settings.distinct)
    texts = sorted(known)
    moved = _unit(np.stack([known[t] for t in texts]) + rng.normal(0, scale, (len(texts), 384)))
    noisy_known = dict(zip(texts, moved, strict=True))
    noisy_papers = [
        replace(p, vector=_unit(p.vector + rng.normal(0, scale, p.vector.shape))) for p in papers
    ]
    noisy = rank(noisy_papers, noisy_known, settings.top_n, settings.diversity, settings.distinct)
    # What readers see: the phrases and their order (scores are rounded to 4 decimals).
    return sum(
        [k.text for k in a.keyphrases] != [k.text for k in b.keyphrases]
        for a, b in zip(base, noisy, strict=True)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.noise")
    parser.add_argument("--quick", action="store_true", help="the first 150 papers only")
    args = parser.parse_args(argv)
    settings = replace(load_settings(REPO / "mkdocs.yml"), digests_dir=DEMO)
    catalog, _ = read_catalog(settings)
    papers = catalog.papers[:150] if args.quick else catalog.papers
    docs = [Document(p.id, p.title, p.abstract) for p in papers]
    keyphrase_settings = KeyphraseSettings(top_n=settings.keyphrases_per_paper)
    papers, known = embedded_papers(docs, keyphrase_settings)
    print(f"noise on vectors -> papers whose keyphrases change (of {len(docs)}):")
    for scale in SCALES:
        print(f"  {scale:g}: {changed_papers(papers, known, scale, keyphrase_settings)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
