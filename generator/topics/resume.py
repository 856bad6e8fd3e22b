"""The plan picked up where the last build left it: a day's topics cost the day's papers.

The plan (`plan.py`) reads issues one by one, and a step reads only its issue and what the
steps before it decided, so the state after N issues is a function of those N issues. A build
keeps that state in its cache folder (`topics/plan.pickle`) with one digest per step; the next
build computes the digests of its own steps and, when the kept ones are the first of them, starts
from the kept state and plans only the issues after it. The result is the same as planning from
the first issue (the scale benchmarks compare the bytes of both sites).

A step's digest chains the digest before it with what the step reads of each new paper: its id,
title, abstract, keyphrases and vector. It starts from the plan's settings (the knowledge file's
word lists included) and the source of the code that plans (every module of `generator.topics`,
its knowledge files and the phrase normalizer's module): a changed setting, a new version of the
code, a backfilled issue, or a paper whose text changed gives other digests from that step on,
and the plan starts over from the first issue whose digest differs (from scratch when that is
before the kept state).

The file is the SHA-256 of the pickled state, then the pickled state: a file whose hash does not
match is not unpickled, and one that fails to load in any way is a miss (the plan starts from
the first issue), never an error. The cache folder is the editor's own (like `.cache/` restored
by the publish workflow from the same repository's cache), so the pickle is trusted as far as
that folder is.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from generator.atomic import write_atomic
from generator.blobs import source_digest
from generator.topics.live import Inputs, PlanState

PLAN_FILE = "plan.pickle"
FORMAT = 1
PACKAGE = Path(__file__).resolve().parent


Step = Callable[[PlanState, Inputs, Sequence[str]], None]


def run_steps(
    inputs: Inputs, steps: Sequence[Sequence[str]], folder: Path | None, step: Step
) -> PlanState:
    """Run the plan's steps from the kept state that fits them (see the module), keep the
    state after the last one, and return it."""
    digests = [] if folder is None else step_digests(inputs, steps, base(inputs))
    done, state, keys = load(folder, digests)
    inputs.keys.update(keys)
    for fresh in steps[done:]:
        if fresh:
            step(state, inputs, fresh)
    if folder is not None and done < len(steps):
        save(folder, digests, state, inputs.keys)
    return state


def base(inputs: Inputs) -> str:
    """Digest the plan's settings and the code that plans."""
    # The settings with their knowledge file's word lists (frozensets, written sorted).
    knobs = json.dumps(asdict(inputs.settings), sort_keys=True, default=sorted)
    module = sys.modules.get(getattr(inputs.normalize, "__module__", ""))
    normalizer = getattr(module, "__file__", None)
    code = [*PACKAGE.glob("*.py"), *(PACKAGE / "knowledge").glob("*")]
    code += [Path(normalizer)] if normalizer else []
    digest = hashlib.sha256(f"plan-{FORMAT}\n{knobs}\n{source_digest(code)}".encode())
    return digest.hexdigest()


def step_digests(inputs: Inputs, steps: Sequence[Sequence[str]], base: str) -> list[str]:
    """Return one digest per step: the one before it, and what it reads of its new papers."""
    digests = []
    previous = base
    for fresh in steps:
        digest = hashlib.sha256(previous.encode())
        for pid in fresh:
            paper = inputs.catalog.paper(pid)
            said = [pid, paper.title, paper.abstract, [[k.text, k.score] for k in paper.keyphrases]]
            digest.update(json.dumps(said, ensure_ascii=False).encode())
            digest.update(inputs.matrix[inputs.row[pid]].tobytes())
        previous = digest.hexdigest()
        digests.append(previous)
    return digests


def load(folder: Path | None, digests: Sequence[str]) -> tuple[int, PlanState, dict[str, Any]]:
    """Return (steps done, state, the plan's phrase keys per paper) kept for the longest run of
    these steps; (0, a new state, {}) when nothing kept fits."""
    empty: tuple[int, PlanState, dict[str, Any]] = (0, PlanState(), {})
    try:
        kept, state, keys = read_checked(folder / PLAN_FILE if folder else None)
        if not isinstance(state, PlanState) or not isinstance(keys, dict):
            return empty
        if not isinstance(kept, list) or list(digests[: len(kept)]) != kept:
            return empty
        return len(kept), state, keys
    except Exception:  # any damage is a miss: the plan starts over
        return empty


def save(
    folder: Path | None, digests: Sequence[str], state: PlanState, keys: dict[str, Any]
) -> None:
    """Keep the state after these steps (see the module); a folder that cannot be written is
    left as it is."""
    if folder is not None:
        write_checked(folder / PLAN_FILE, (list(digests), state, keys))


def read_checked(path: Path | None) -> Any:
    """Return what `write_checked` kept in `path`, unpickled once its SHA-256 matches (see the
    module); raise (ValueError, OSError, ...) when it is missing, damaged or does not load."""
    if path is None:
        raise FileNotFoundError("no cache folder")
    data = path.read_bytes()
    if hashlib.sha256(data[32:]).digest() != data[:32]:
        raise ValueError(f"{path} does not hash as kept")
    return pickle.loads(data[32:])  # checked above; see the module


def write_checked(path: Path, value: Any) -> None:
    """Keep `value` pickled in `path`, after the SHA-256 of the pickle; a folder that cannot
    be written is left as it is."""
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        write_atomic(path, hashlib.sha256(payload).digest() + payload, durable=False)
    except OSError:
        return
