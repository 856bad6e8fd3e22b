"""Repair the TeX that Hugging Face's page text mangles, where the repair is unambiguous.

Copied from a rendered page, "$\\mathcal{O}(T^{2/3})$" arrives as "mathcal{O}(T^{2/3})": the
dollars and backslashes are gone, the braces and scripts stay. A run of words is taken back as
math only when it must be: it holds a script (`^`, `_`) or a known command name right before a
`{`; its braces nest; and every run of letters outside braces is a known command (or several
run together: "widetildeTheta"), one or two letters, or a short capital name ("KT"). Then each
command gets its backslash and the run its dollars. Anything else — "sim!2times", a title's
"scriptsizeFLaws", "L_2^2-loss", an address — stays text as it came.
"""

from __future__ import annotations

import re
from functools import cache

from generator.sources.tex_plain import LETTERS, WORD, plain_debris, plain_text_tex, split_run

# Command names KaTeX knows that mangled abstracts use; a few stand for two commands.
_SPELLED = {
    "argmin": r"\arg\min",
    "argmax": r"\arg\max",
    "prodlimits": r"\prod\limits",
    "sumlimits": r"\sum\limits",
}
COMMANDS = frozenset(
    """
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu
    xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma
    Upsilon Phi Psi Omega mathcal mathbb mathbf mathrm mathsf mathit boldsymbol frac sqrt hat
    tilde widetilde widehat bar overline log ln exp sin cos tan min max sup inf lim det arg le
    leq ge geq neq approx sim simeq propto infty cdot cdots ldots dots times pm mp circ star
    dagger in notin subset subseteq cup cap sum prod int partial nabla ell left right Big
    big mid gg ll to rightarrow mapsto forall exists
    """.split()
) | frozenset(_SPELLED)
# Math is tried on one word (tex_plain.WORD) or a few in a row.
_WORD = WORD
_LETTERS = LETTERS
_MATH_CHARS = re.compile(r"^[A-Za-z0-9{}()\[\]^_+\-*/=|<>,.;:'!~ ]+$")
# A word that makes a run math: a script, or a command right before a brace.
_SCRIPT = re.compile(r"[A-Za-z0-9)}\]|*][\^_][A-Za-z0-9{*\-]")
_COMMAND_BRACE = re.compile(r"([A-Za-z]+)\{")
# Math already written as such: never looked into.
_DOLLARS = re.compile(r"\$[^$]*\$")
_TRAILING = ".,;:"
# "Ain $R^{n\times d}$": a letter and "in" before a formula are "A \in" of that formula.
_MEMBER = re.compile(r"(?<![\w$\\'])([A-Za-z]'?)in\s+\$([^$]*)\$")
MAX_WORDS = 12


def repair_tex(text: str) -> str:
    """Return text with its unambiguous mangled TeX written back as `$...$` math, the rest of
    its TeX as plain text (tex_plain: "39.9\\%" is "39.9%", "O(varepsilon)" is "O(ε)")."""
    return plain_debris(_MEMBER.sub(r"$\1\\in \2$", _repair_math(plain_text_tex(text))))


def _repair_math(text: str) -> str:
    parts = []
    position = 0
    for match in _DOLLARS.finditer(text):
        parts.append(_repair_prose(text[position : match.start()]))
        parts.append(match.group())
        position = match.end()
    parts.append(_repair_prose(text[position:]))
    return "".join(parts)


def _repair_prose(text: str) -> str:
    words = list(_WORD.finditer(text))
    out: list[str] = []
    position = 0
    index = 0
    while index < len(words):
        found = _math_at(text, words, index)
        if found is None:
            index += 1
            continue
        start, end, tex, used = found
        out.append(text[position:start])
        out.append(f"${tex}$")
        position = end
        index += used
    out.append(text[position:])
    return "".join(out)


def _math_at(text: str, words: list[re.Match[str]], index: int) -> tuple[int, int, str, int] | None:
    """Return (start, end, TeX, words used) for math starting at a word, if it must be math."""
    first = words[index].group()
    if not _triggers(first):
        return None
    start = words[index].start()
    for used in range(1, min(MAX_WORDS, len(words) - index) + 1):
        end = words[index + used - 1].end()
        span = text[start:end]
        body, lead, trail = _trim(span)
        if body is None:
            continue
        tex = _as_tex(body)
        if tex is not None and _paired(tex):
            return start + lead, end - trail, tex, used
        return None  # balanced (as _trim found) yet not math: more words will not make it math
    return None


def _triggers(word: str) -> bool:
    if "://" in word or "@" in word or "$" in word or "\\" in word:
        return False
    if _SCRIPT.search(word):
        return True
    return any(m.group(1) in COMMANDS for m in _COMMAND_BRACE.finditer(word))


def _trim(span: str) -> tuple[str | None, int, int]:
    """Strip trailing punctuation and an unmatched opening parenthesis; None if unbalanced."""
    body = span.rstrip(_TRAILING)
    trail = len(span) - len(body)
    while body.endswith(")") and body.count(")") > body.count("("):
        body = body[:-1]
        trail += 1
    lead = 0
    while body.startswith("(") and body.count("(") > body.count(")"):
        body = body[1:]
        lead += 1
    if not body or not _counts_balance(body):
        return None, lead, trail
    return body, lead, trail


def _counts_balance(body: str) -> bool:
    """Tell whether braces nest and parentheses and brackets pair up (by count)."""
    depth = 0
    for char in body:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0 and body.count("(") == body.count(")") and body.count("[") == body.count("]")


def _paired(tex: str) -> bool:
    """Tell whether every \\left has its \\right (KaTeX refuses one alone)."""
    return tex.count("\\left") == tex.count("\\right")


def _as_tex(body: str) -> str | None:
    """Put backslashes before the commands of a balanced span, or None if a word is not math."""
    if not _MATH_CHARS.match(body):
        return None
    out = []
    position = 0
    depth_at = _brace_depths(body)
    for match in _LETTERS.finditer(body):
        run = match.group()
        inside = depth_at[match.start()] > 0
        spelled = _split_commands(run)
        if spelled is None:
            spelled = _split_loose(run)
        if spelled is not None:
            tex = spelled
        elif inside or len(run) <= 2 or (len(run) <= 3 and run.isupper()):
            tex = run
        else:
            return None
        out.append(body[position : match.start()])
        out.append(tex)
        position = match.end()
    out.append(body[position:])
    return "".join(out)


def _brace_depths(body: str) -> list[int]:
    depths = []
    depth = 0
    for char in body:
        if char == "}":
            depth -= 1
        depths.append(depth)
        if char == "{":
            depth += 1
    return depths


def _split_loose(run: str) -> str | None:
    """Spell a run of letters as commands and one letter ("ntimes" is n times, "mright" m
    right), or None."""
    parts = split_run(run)
    if parts is None or sum(len(part) == 1 for part in parts) != 1 or len(parts) < 2:
        return None
    if any(len(part) == 2 for part in parts):  # "top" is no "to p"
        return None
    return "".join(part if len(part) == 1 else _SPELLED.get(part, "\\" + part) for part in parts)


@cache
def _split_commands(run: str) -> str | None:
    """Spell a run of letters as commands run together ("widetildeTheta"), or None."""
    if not run:
        return ""
    for size in range(len(run), 1, -1):
        head = run[:size]
        if head in COMMANDS:
            rest = _split_commands(run[size:])
            if rest is not None:
                return _SPELLED.get(head, "\\" + head) + rest
    return None
