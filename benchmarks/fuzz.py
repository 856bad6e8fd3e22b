"""Fuzz every digest reader and `fetch`'s answer parsing: any bytes in, never a traceback.

`python -m benchmarks.fuzz [--examples N] [--seed S] [--target NAME]` runs each target for
N examples (default 2,000: about 12 minutes on 2 cores, BibTeX's LaTeX decoding the most of
it) and prints, per target, the examples run, the time taken, the slowest example and what
failed. `tests/test_fuzz_readers.py` runs the same targets for a few hundred examples each in
`make test`.

Targets: one per reader of the registry (`READERS`: a reader added there is fuzzed with no
change here), the whole reading of one file (`read_digest`: decoding, detection, front
matter, the reader), and the two fetches answered by a real HTTP server on 127.0.0.1 (a 503
with a fuzzed Retry-After, then a fuzzed body). Inputs are the real fixtures under
tests/fixtures/ mutated (cut short, bytes flipped, pieces of other files spliced in, ranges
deleted or doubled, hostile tokens put in), and random bytes. A reader's answer must be
papers and problems that name a line of the file; a fetch's, a saved file or FetchError.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.server
import re
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st

from generator.fetch import Client, FetchError, fetch_arxiv, fetch_hf
from generator.sources import READERS, read_digest
from generator.sources.decode import decode_digest
from generator.sources.fields import MAX_PROBLEMS_PER_FILE
from generator.sources.formats import Format, Parsed, Source, detect

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SEED_FOLDERS = ("sources", "digests/formats", "hostile", "fetch", "fuzz")
# Crashes the fuzzer found, kept as they were found: each is replayed by the tests.
REGRESSIONS = FIXTURES / "fuzz"
MAX_SEED_BYTES = 256 * 1024
# Put into inputs: what broke readers before (issue 23) and what parsers stumble on.
TOKENS = (
    "²".encode(),
    b"9" * 5000,
    b"{" * 3000,
    b"[" * 3000,
    b"<a>" * 300,
    b"&",
    b"\xff\xfe",
    b"\x00",
    b"\r",
    b"]]>",
    b"<!--",
    b"<![CDATA[",
    b'"',
    b"\\",
    b"---\n",
    b"\n@article{",
    b"</entry>",
    b"<entry>",
    b"\n# ",
    b"%PDF",
    b"\x1f\x8b",
)


def seed_files() -> list[Path]:
    """The fixture files inputs are made from, in a fixed order."""
    found: list[Path] = []
    for folder in SEED_FOLDERS:
        root = FIXTURES / folder
        if root.is_dir():
            found.extend(p for p in root.rglob("*") if p.is_file() and p.name != "README.md")
    return sorted(found, key=lambda p: p.as_posix())


def seeds_by_format(files: list[Path], most: int) -> dict[Format, list[bytes]]:
    """Each file's first `most` bytes under the format the whole file is detected as."""
    found: dict[Format, list[bytes]] = {}
    for path in files:
        data = path.read_bytes()
        text, _ = decode_digest(data, path.name)
        kind = detect(text) if text is not None else None
        if isinstance(kind, Format):
            found.setdefault(kind, []).append(data[:most])
    return found


@st.composite
def mutated(draw: st.DrawFn, seeds: tuple[bytes, ...]) -> bytes:
    """A seed changed in one to four places."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(("cut", "flip", "splice", "delete", "double", "token")))
        if operation == "cut":
            del data[where:]
        elif operation == "flip" and where < len(data):
            data[where] ^= draw(st.integers(1, 255))
        elif operation == "splice":
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, len(other)))
            data[where:where] = other[start : start + draw(st.integers(1, 4000))]
        elif operation in {"delete", "double"}:
            end = min(len(data), where + draw(st.integers(1, 2000)))
            piece = data[where:end]
            data[where:end] = piece * 2 if operation == "double" else b""
        else:
            data[where:where] = draw(st.sampled_from(TOKENS))
    return bytes(data)


def inputs(seeds: tuple[bytes, ...]) -> st.SearchStrategy[bytes]:
    """Mutated seeds mostly, random bytes sometimes."""
    return st.one_of(mutated(seeds), mutated(seeds), mutated(seeds), st.binary(max_size=4096))


@dataclass(frozen=True)
class Target:
    """Something fuzzed: its name, what it is fed, and the check of one input."""

    name: str
    strategy: st.SearchStrategy[Any]
    check: Callable[[Any], object]


def check_parsed(parsed: object, text: str, path: str) -> None:
    """A reader's answer: papers with a title and an abstract, problems naming a line."""
    assert isinstance(parsed, Parsed), type(parsed)
    lines = text.count("\n") + 1
    for entry in parsed.entries:
        assert entry.title.strip() and entry.abstract.strip(), entry
    assert len(parsed.problems) <= MAX_PROBLEMS_PER_FILE + 1
    for problem in parsed.problems:
        assert problem.location.path == path
        assert 1 <= problem.location.line <= lines, (problem, lines)


def reader_target(kind: Format, seeds: tuple[bytes, ...]) -> Target:
    """The reader of `kind`, given any bytes that decode (detection is not asked)."""
    reader = READERS[kind]

    def check(data: bytes) -> None:
        text, _ = decode_digest(data, "fuzz")
        if text is not None:
            check_parsed(reader(Source("fuzz", text)), text, "fuzz")

    return Target(kind.name, inputs(seeds), check)


def digest_target(seeds: tuple[bytes, ...], folder: Path) -> Target:
    """A whole file read as the build reads it: decoded, detected, its metadata, its reader."""
    path = folder / "fuzz-digest"

    def check(data: bytes) -> None:
        path.write_bytes(data)
        issue, problems, _found = read_digest(path, "fuzz", 1, 2026)
        assert issue is None or issue.entries
        for problem in problems:
            assert problem.location.path in {"fuzz", "fuzz.yml"} and problem.location.line >= 1

    return Target("read_digest (any file)", inputs(seeds), check)


@dataclass
class Answers:
    """A loopback server's script: each request is a 503 with `retry_after`, then `body`."""

    retry_after: str = "0"
    body: bytes = b""
    served: int = 0
    endpoint: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def answering() -> Iterator[Answers]:
    """Serve Answers on 127.0.0.1 while the block runs."""
    answers = Answers()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with answers.lock:
                answers.served += 1
                busy = answers.served % 2 == 1
            self.close_connection = True
            self.send_response(503 if busy else 200)
            body = b"busy" if busy else answers.body
            if busy:
                self.send_header("Retry-After", answers.retry_after)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    answers.endpoint = f"http://127.0.0.1:{server.server_address[1]}/api"
    try:
        yield answers
    finally:
        server.shutdown()
        server.server_close()


# A header value the server can send: Latin-1, no line break.
_HEADER_TEXT = st.one_of(
    st.sampled_from(("²", "9" * 5000, "-1", "1.5", "", "Wed, 21 Oct 2015 07:28:00 GMT")),
    st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=30),
)


def fetch_targets(seeds: tuple[bytes, ...], answers: Answers, folder: Path) -> list[Target]:
    """`fetch hf` and `fetch arxiv` against the loopback server: a file saved, or FetchError."""
    client = Client(interval=0.0, attempts=2, backoff=0.0, max_wait=0.001, timeout=10.0)
    date = dt.date(2026, 6, 12)

    def fetched(run: Callable[[], object]) -> Callable[[tuple[str, bytes]], None]:
        def check(given: tuple[str, bytes]) -> None:
            answers.retry_after, answers.body = given
            answers.served = 0
            with contextlib.suppress(FetchError):  # a refusal: one line, nothing written
                run()

        return check

    def hf() -> object:
        return fetch_hf(folder, date, client=client, endpoint=answers.endpoint, force=True)

    def arxiv() -> object:
        return fetch_arxiv(
            folder, "cs.LG", client=client, endpoint=answers.endpoint, max_papers=20, force=True
        )

    strategy = st.tuples(_HEADER_TEXT, inputs(seeds))
    return [
        Target("fetch hf (answer)", strategy, fetched(hf)),
        Target("fetch arxiv (answer)", strategy, fetched(arxiv)),
    ]


def all_targets(answers: Answers, folder: Path, most: int = MAX_SEED_BYTES) -> list[Target]:
    """Every target: each reader in READERS, read_digest, and the two fetches.

    Seeds are cut to `most` bytes (BibTeX's LaTeX decoding reads about 60 KB a second).
    """
    files = seed_files()
    by_format = seeds_by_format(files, most)
    every = tuple(path.read_bytes()[:most] for path in files)
    readers = [reader_target(kind, tuple(by_format.get(kind, every))) for kind in READERS]
    answers_seen = tuple(
        data for kind, found in by_format.items() for data in found if kind.name in FETCHED
    )
    return [
        *readers,
        digest_target(every, folder),
        *fetch_targets(answers_seen or every, answers, folder),
    ]


FETCHED = frozenset({"Hugging Face daily-papers JSON", "arXiv API Atom"})
# The targets besides the readers, by name.
EXTRA_TARGETS = ("read_digest (any file)", "fetch hf (answer)", "fetch arxiv (answer)")


def example_settings(examples: int, *, seed: int | None, deadline_ms: int) -> settings:
    """Hypothesis settings: no database, no shrinking limit, a deadline per example."""
    return settings(
        max_examples=examples,
        deadline=dt.timedelta(milliseconds=deadline_ms),
        database=None,
        derandomize=seed is None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


@dataclass(frozen=True)
class Outcome:
    name: str
    examples: int
    seconds: float
    slowest: float
    failure: str


def run_target(
    target: Target, examples: int, seed: int | None, deadline_ms: int, found: Path
) -> Outcome:
    """Fuzz one target; say how long it took, its slowest example, and what failed (the
    smallest failing input is written to `found`, named after the target)."""
    times: list[float] = []
    failing: list[Any] = []

    def once(value: Any) -> None:
        started = time.perf_counter()
        try:
            target.check(value)
        except BaseException:
            failing.append(value)
            raise
        finally:
            times.append(time.perf_counter() - started)

    test = settings(example_settings(examples, seed=seed, deadline_ms=deadline_ms))(
        given(target.strategy)(once)
    )
    if seed is not None:
        test = fixed_seed(seed)(test)
    started = time.perf_counter()
    failure = ""
    try:
        test()
    except Exception as error:  # what the target raised, or the deadline passed
        frames = "".join(traceback.format_tb(error.__traceback__)[-3:])
        failure = f"{frames}{type(error).__name__}: {str(error)[:300]}"
        if failing:
            last = failing[-1]
            data = last[1] if isinstance(last, tuple) else last
            found.mkdir(parents=True, exist_ok=True)
            path = found / (re.sub(r"\W+", "-", target.name).strip("-").lower() + ".bin")
            path.write_bytes(data)
            failure += f"\n    input: {path}" + (
                f" (Retry-After {last[0]!r})" if data is not last else ""
            )
    return Outcome(
        target.name, len(times), time.perf_counter() - started, max(times, default=0), failure
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per target")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--target", default="", help="only targets whose name has this text")
    parser.add_argument("--quick", action="store_true", help="300 examples per target")
    parser.add_argument(
        "--found", type=Path, default=REPO / "out" / "fuzz", help="where failing inputs go"
    )
    args = parser.parse_args(argv)
    examples = 300 if args.quick else args.examples
    seed = args.seed if args.seed is not None else int(time.time())
    print(f"Fuzzing: {examples} examples a target, seed {seed}, deadline 10 s an example")
    status = 0
    with tempfile.TemporaryDirectory() as folder, answering() as answers:
        for target in all_targets(answers, Path(folder)):
            if args.target.lower() not in target.name.lower():
                continue
            outcome = run_target(target, examples, seed, 10_000, args.found)
            said = "ok" if not outcome.failure else "FAILED"
            print(
                f"  {outcome.name:<40} {outcome.examples:>6} runs  {outcome.seconds:6.1f} s  "
                f"slowest {outcome.slowest * 1000:7.1f} ms  {said}"
            )
            if outcome.failure:
                print(outcome.failure, file=sys.stderr)
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
