"""The part-of-speech tagger: the Brill lexicon tagger that ships inside the textblob wheel.

textblob's package import pulls in nltk (1.2 s here); its tagger lives in one module,
`textblob/_text.py`, that needs nothing but the standard library. So that module is loaded on
its own from the installed package, once, and kept here, not registered in `sys.modules`.
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from generator.errors import ModelUnavailableError


@dataclass(frozen=True)
class Tagger:
    """Tokenize English text and tag the tokens with Penn Treebank parts of speech."""

    module: ModuleType
    lexicon: Any

    def tokenize(self, text: str) -> list[list[str]]:
        """Split text into sentences of tokens; hyphenated compounds stay whole."""
        sentences = self.module.find_tokens(
            text,
            punctuation=self.module.PUNCTUATION,
            abbreviations=self.module.ABBREVIATIONS,
            replace={},
        )
        return [sentence.split(" ") for sentence in sentences if sentence.strip()]

    def tag(self, tokens: list[str]) -> list[tuple[str, str]]:
        """Tag one sentence's tokens."""
        # Brill's contextual rules cost 25x the time and scored no better on Inspec: left out.
        tagged = self.module.find_tags(
            tokens, lexicon=self.lexicon, morphology=self.lexicon.morphology
        )
        return [(word, pos) for word, pos in tagged]

    def knows(self, word: str) -> bool:
        """Tell whether the lexicon lists a word."""
        return word in self.lexicon


def _textblob_folder() -> Path:
    spec = importlib.util.find_spec("textblob")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            "the keyphrase tagger needs the Python package 'textblob', which is not installed",
            hint="install it with: pip install textblob",
        )
    return Path(next(iter(spec.submodule_search_locations)))


_LOADING = threading.Lock()


@functools.cache
def load_tagger() -> Tagger:
    """Load textblob's tagger module and its English lexicon, once per process.

    Whole, under a lock: textblob fills its lexicon and rule lists on first use, and a second
    thread tagging meanwhile saw a half-filled lexicon ("optimistic Games" for "optimistic
    games", 2 runs in 20 of two extractions at once in one process). Two first calls at once
    each load one, in turn; the cache keeps one."""
    with _LOADING:
        folder = _textblob_folder()
        spec = importlib.util.spec_from_file_location("textblob_text", folder / "_text.py")
        if spec is None or spec.loader is None:
            raise ModelUnavailableError("textblob's tagger module is missing", "reinstall textblob")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        en = folder / "en"
        lexicon = module.Lexicon(
            path=str(en / "en-lexicon.txt"),
            morphology=str(en / "en-morphology.txt"),
            context=str(en / "en-context.txt"),
            entities=str(en / "en-entities.txt"),
            language="en",
        )
        for lazy in (lexicon, lexicon.morphology, lexicon.context, lexicon.entities):
            len(lazy)  # loads it now
        return Tagger(module, lexicon)
