"""How far keyphrases move when vectors move: the case for float32 embeddings.

CPUs round differently: bfloat16 kernels (AMX-bf16 CPUs pick them by batch shape) move a vector
by about 1e-3, float32 kernels by about 1e-6. This adds Gaussian noise of a given size to the
cached vectors of the demo papers (candidates and paper) and counts the papers whose chosen
keyphrases (set or order) change. Real model, demo digests from tests/fixtures.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from generator.build import read_catalog
from generator.config import load_settings
from generator.keyphrases import Document, KeyphraseSettings, extract_keyphrases
from generator.keyphrases.candidates import find_candidates
from generator.keyphrases.embedding import MiniLMEmbedder
from generator.keyphrases.extract import document_text
from generator.keyphrases.ranking import choose

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "tests" / "fixtures" / "digests" / "demo"
SCALES = (1e-6, 1e-5, 1e-4, 3e-4, 1e-3)


def _unit(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=-1, keepdims=True)).astype(np.float32)


def changed_papers(docs: list[Document], scale: float, settings: KeyphraseSettings) -> int:
    """Count documents whose keyphrases change when every vector moves by noise of `scale`."""
    model = MiniLMEmbedder(settings.doc_max_tokens, settings.bf16)
    rng = np.random.default_rng(0)
    changed = 0
    for doc in docs:
        found = find_candidates(doc.title, doc.text, settings.max_words, False, 15)
        if not found:
            continue
        rows = model.encode([c.text for c in found])
        vector = model.encode([document_text(doc)])[0]
        args = (settings.top_n, settings.diversity, settings.title_boost)
        base = [k.text for k in choose(found, rows, vector, *args).keyphrases]
        noisy_rows = _unit(rows + rng.normal(0, scale, rows.shape))
        noisy = _unit(vector + rng.normal(0, scale, vector.shape))
        # What readers see: the phrases and their order (scores are rounded to 4 decimals).
        changed += [k.text for k in choose(found, noisy_rows, noisy, *args).keyphrases] != base
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.noise")
    parser.add_argument("--quick", action="store_true", help="the first 150 papers only")
    args = parser.parse_args(argv)
    settings = replace(load_settings(REPO / "mkdocs.yml"), digests_dir=DEMO)
    catalog, _ = read_catalog(settings)
    papers = catalog.papers[:150] if args.quick else catalog.papers
    docs = [Document(p.id, p.title, p.abstract) for p in papers]
    keyphrase_settings = KeyphraseSettings(top_n=settings.keyphrases_per_paper)
    with tempfile.TemporaryDirectory() as scratch:  # warm the model once
        extract_keyphrases(docs[:1], keyphrase_settings, Path(scratch))
    print(f"noise on vectors -> papers whose keyphrases change (of {len(docs)}):")
    for scale in SCALES:
        print(f"  {scale:g}: {changed_papers(docs, scale, keyphrase_settings)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
