"""TeX that cannot be math, written as the plain text it stands for.

Two kinds reach the abstracts:

- text-mode TeX with its backslashes: "39.9\\%", "T\\"ulu", "\\url{...}", "\\textbf{...}",
  "{\\em ...}", a paper's own macros ("\\model"). pylatexenc's latex2text writes each as text
  ("39.9%", "Tülu", the address, the words); a macro it does not know keeps its name
  (`MACRO_WORDS` names a few that papers define, "\\ie" is "i.e.").
- math whose backslashes and dollars the page text dropped, where writing it back as math is
  not sure (tex.repair_tex leaves it): "O(varepsilon)-optimal", "sim!2times", "L_2^2-loss",
  "mathcal O(sqrt T)". A word holding such debris has each run of letters that spells commands
  (and single letters: "deltageq" is delta, geq) written as their symbols by latex2text
  ("O(ε)-optimal", "∼2×", "δ≥"), short scripts of digits raised or lowered ("L₂²-loss"), and a
  font command dropped ("mathcal O" is "O").

A word is looked into only when it holds a command's name no English word is
(`STRONG_COMMANDS`), a script (`^`, `_{`) or the spacing debris "!": prose stays as it came.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from functools import cache

from pylatexenc.latex2text import LatexNodes2Text, get_default_latex_context_db

# Macros papers define for themselves, as the words they stand for.
MACRO_WORDS = {"ie": "i.e.", "eg": "e.g.", "etal": "et al.", "wrt": "w.r.t.", "vs": "vs."}
# Command names that are no English word: a word holding one is math debris.
STRONG_COMMANDS = frozenset(
    """
    varepsilon epsilon vartheta varphi mathcal mathbb mathbf mathrm mathsf boldsymbol sqrt
    widetilde widehat leq geq neq infty cdot cdots ldots propto rightarrow leftarrow mapsto
    nabla ell
    """.split()
)
GREEK = frozenset(
    """
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu
    xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma
    Upsilon Phi Psi Omega
    """.split()
)
LONG_GREEK = frozenset(name for name in GREEK if len(name) >= 4)  # "null" is no nu ll
# Font commands and accents, dropped with the space after them ("mathcal O" is "O").
FONT_COMMANDS = frozenset("mathcal mathbb mathbf mathrm mathsf mathit boldsymbol".split())
TILDES = frozenset({"tilde", "widetilde"})
# Commands that take an argument, found without it: their sign alone.
ARGUMENT_SYMBOLS = {"sqrt": "√", "frac": "/", "hat": "^", "bar": "¯"}
SUPERSCRIPTS = str.maketrans(
    "0123456789+-=()n*ABDEGHIJKLMNOPRTUVW", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ*ᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ"
)
SUBSCRIPTS = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")

_TEXT_TEX = re.compile(
    r"\{\\(?:em|bf|it|sl|sc|tt|rm)\s[^{}$]*\}"  # {\em words}
    r"|\\([A-Za-z]+)\*?((?:\{[^{}$]*\})*)"  # \macro{argument}
    r"|\\[\"'`^~=.](?:\{\\?[A-Za-z]\}|\\?[A-Za-z])"  # accents: \"u, \"{\i}
    r"|\\[%&#_$]"  # escaped characters
)
_FONT_SWITCH = re.compile(r"(?<!\{)\\(?:em|bf|it|sl|sc|tt|rm)\s+")
_QUOTES = re.compile(r"``([^`']*)''")
_MATH = re.compile(r"\$[^$]*\$|\\\(.*?\\\)|\\\[.*?\\\]")
# A word is a run of non-space characters; a run of letters may be commands run together.
WORD = re.compile(r"\S+")
LETTERS = re.compile(r"[A-Za-z]+")
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|([0-9A-Za-z*]))")
_DEBRIS = re.compile(r"[\^_]\{|\w\^[\w(*]|[A-Za-z]![0-9A-Za-z]|\w_[0-9]")


@cache
def _converter() -> LatexNodes2Text:
    return LatexNodes2Text()


def plain_text_tex(text: str) -> str:
    """Write the text-mode TeX of a text (outside its math) as plain text."""

    def plain(prose: str) -> str:
        prose = _FONT_SWITCH.sub("", prose)  # "\bf mix-cd": the words stay, the switch goes
        return _QUOTES.sub(r"“\1”", _TEXT_TEX.sub(_text_mode, prose))

    return _outside_math(text, plain)


def plain_title(title: str) -> str:
    """Return a title as readers see it: its TeX as plain text ("ell_infty" is "ℓ_∞"). Its
    URL and id are made from the title as written, so they do not change."""
    return plain_debris(plain_text_tex(title))


def plain_debris(text: str) -> str:
    """Write the math debris of a text's words (outside its math) as plain symbols."""
    return _outside_math(text, _plain_words)


def _outside_math(text: str, change: Callable[[str], str]) -> str:
    parts, position = [], 0
    for match in _MATH.finditer(text):
        parts += [change(text[position : match.start()]), match.group()]
        position = match.end()
    parts.append(change(text[position:]))
    return "".join(parts)


def _text_mode(match: re.Match[str]) -> str:
    found = match.group()
    name, arguments = match.group(1), match.group(2) or ""
    if name == "url":
        return arguments.strip("{}")
    if name is not None and get_default_latex_context_db().get_macro_spec(name) is None:
        words = MACRO_WORDS.get(name, name)
        return words + "".join(re.findall(r"\{([^{}]*)\}", arguments))
    text: str = _converter().latex_to_text(found)
    return text


def _plain_words(prose: str) -> str:
    out, position, glue = [], 0, False
    for match in WORD.finditer(prose):
        word = match.group()
        plain = _plain_word(word) if _is_debris(word) else word
        out.append("" if glue else prose[position : match.start()])
        glue = plain in {"", "~"}  # a font command or a tilde goes with the next word
        out.append(plain)
        position = match.end()
    out.append(prose[position:].lstrip() if glue else prose[position:])
    return "".join(out)


def is_debris(word: str) -> bool:
    """Tell whether a word holds math debris ("ell_infty", "O(varepsilon)", "sim!2times")."""
    return _is_debris(word)


@functools.lru_cache(maxsize=1 << 16)  # words repeat: most of a year's titles are the same words
def _is_debris(word: str) -> bool:
    if "://" in word or "@" in word or "\\" in word or "$" in word:
        return False
    if _DEBRIS.search(word):
        return True
    return any(_has_strong(run.group()) for run in LETTERS.finditer(word))


def _has_strong(run: str) -> bool:
    """Tell whether a run of letters is commands (and a letter at most) that no English word
    is: one of STRONG_COMMANDS, or several commands run together from a Greek letter's name
    ("alphain"; "into", "circle" and "null" are words)."""
    parts = split_run(run)
    if parts is None or sum(len(part) == 1 for part in parts) > 1:
        return False
    if parts == (run,) and run in STRONG_COMMANDS:
        return True
    # With a letter beside it, a short name may be a word's end: "well" is no w ell.
    if any(part in STRONG_COMMANDS and len(part) >= 4 for part in parts):
        return True
    return len(parts) >= 2 and all(len(p) > 1 for p in parts) and parts[0] in LONG_GREEK


def _plain_word(word: str) -> str:
    word = _SCRIPT.sub(_script, word)
    word = re.sub(r"(?<=[A-Za-z0-9])!(?=[0-9A-Za-z])", "", word)
    return LETTERS.sub(lambda run: _plain_run(run.group()), word)


def _script(match: re.Match[str]) -> str:
    mark, body = match.group(1), match.group(2) or match.group(3)
    table = SUPERSCRIPTS if mark == "^" else SUBSCRIPTS
    raised = body.translate(table)
    return raised if all(ord(c) > 127 or c == "*" for c in raised) else match.group()


def _plain_run(run: str) -> str:
    parts = split_run(run)
    if parts is None or sum(len(part) == 1 for part in parts) > 1 or len(parts) == 1 == len(run):
        return run
    out = []
    for part in parts:
        if part in FONT_COMMANDS:
            continue
        if part in TILDES:
            out.append("~")
        elif len(part) == 1:
            out.append(part)
        else:
            out.append(_symbol(part))
    return "".join(out)


@cache
def _symbol(name: str) -> str:
    """The text latex2text writes for a command given alone (its name if none)."""
    if name in ARGUMENT_SYMBOLS:
        return ARGUMENT_SYMBOLS[name]
    try:
        symbol: str = _converter().latex_to_text("\\" + name)
    except (KeyError, IndexError, ValueError):
        return name
    return symbol if symbol.strip() else name


@cache
def split_run(run: str) -> tuple[str, ...] | None:
    """Split a run of letters into command names and single letters, longest names first;
    None if it does not split so (then it is a word)."""
    from generator.sources.tex import COMMANDS

    if not run:
        return ()
    for size in range(len(run), 0, -1):
        head = run[:size]
        if head in COMMANDS or head in STRONG_COMMANDS or size == 1:
            rest = split_run(run[size:])
            if rest is not None:
                return (head, *rest)
    return None
