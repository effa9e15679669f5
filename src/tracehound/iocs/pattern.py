"""STIX 2.1 pattern tokenizer and parser (only ORs of ``path = 'string'`` become lookups).

Facts: OASIS "STIX Version 2.1", section 9 (Patterning): a pattern is observation expressions
(``[ ... ]``) joined by ``AND``/``OR``/``FOLLOWEDBY`` and followed by optional qualifiers
(``WITHIN n SECONDS``, ``START t'..' STOP t'..'``, ``REPEATS n TIMES``); inside a bracket,
comparisons ``<object-type>:<property-path> <operator> <value>`` are joined by ``AND``/``OR``.
String literals are single-quoted; inside them only ``\\'`` and ``\\\\`` are escapes. Property
path components may be quoted (``hashes.'SHA-256'``) and list steps are ``[n]`` or ``[*]``.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class PatternError(ValueError):
    """A STIX pattern that is malformed or cannot be turned into lookups."""


# --------------------------------------------------------------------------------------------
# Tokenizer (STIX 2.1 section 9)
# --------------------------------------------------------------------------------------------


class Token(NamedTuple):
    """A pattern token. ``text`` is the decoded value for strings, the raw text otherwise."""

    kind: str  # "[", "]", "(", ")", ",", PATH, OP, NOT, STR, NUM, BOOL, TS, HEX, BIN, or keyword
    text: str
    pos: int


_WS = " \t\r\n"
_WORD = re.compile(r"[A-Za-z0-9_-]+")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_LIST_STEP = re.compile(r"\[(?:\*|\d+)\]")
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_NUMBER_START = frozenset("0123456789+-.")
#: Keywords joining expressions or forming qualifiers: their token kind is the word itself.
_KEYWORDS = frozenset(
    {"AND", "OR", "FOLLOWEDBY", "WITHIN", "SECONDS", "START", "STOP", "REPEATS", "TIMES"}
)
#: Word comparison operators (the symbolic ones are read as characters).
_WORD_OPERATORS = frozenset({"IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"})
_TYPED_LITERALS = {"t": "TS", "h": "HEX", "b": "BIN"}
_PUNCT = frozenset("[](),")


def _read_string(s: str, i: int) -> tuple[str, int]:
    """Decode the string literal whose opening quote is at ``s[i]``; return it and the end."""
    parts: list[str] = []
    j = i + 1
    while True:
        quote = s.find("'", j)
        if quote < 0:
            raise PatternError(f"unterminated string starting at position {i}")
        slash = s.find("\\", j, quote)
        if slash < 0:
            parts.append(s[j:quote])
            return "".join(parts), quote + 1
        parts.append(s[j:slash])
        escaped = s[slash + 1 : slash + 2]
        if escaped not in ("'", "\\"):
            raise PatternError(
                f"invalid escape \\{escaped} at position {slash} (only \\' and \\\\)"
            )
        parts.append(escaped)
        j = slash + 2


def _read_path(s: str, start: int, colon: int) -> int:
    """Read the property path after ``<object-type>:``; return the end of the object path."""
    i = colon + 1
    while True:
        if s.startswith("'", i):
            _, i = _read_string(s, i)
        else:
            m = _WORD.match(s, i)
            if m is None:
                raise PatternError(f"bad property path in object path at position {start}")
            i = m.end()
        while (step := _LIST_STEP.match(s, i)) is not None:
            i = step.end()
        if not s.startswith(".", i):
            return i
        i += 1


def _symbol(s: str, i: int) -> tuple[Token, int] | None:
    """Punctuation and symbolic comparison operators at ``s[i]``."""
    c = s[i]
    if c in _PUNCT:
        return Token(c, c, i), i + 1
    two = s[i : i + 2]
    if two in ("!=", "<>"):
        return Token("OP", "!=", i), i + 2
    if two in ("<=", ">=", "=="):
        return Token("OP", two[0] if two == "==" else two, i), i + 2
    if c in "=<>":
        return Token("OP", c, i), i + 1
    return None


def _word(s: str, i: int) -> tuple[Token, int]:
    """An object path, keyword, boolean or typed literal starting at ``s[i]``."""
    m = _WORD.match(s, i)
    assert m is not None  # s[i] is in _WORD_START
    word, end = m.group(), m.end()
    if s.startswith(":", end):
        stop = _read_path(s, i, end)
        return Token("PATH", s[i:stop], i), stop
    if word in _KEYWORDS:
        return Token(word, word, i), end
    if word in _WORD_OPERATORS:
        return Token("OP", word, i), end
    if word == "NOT":
        return Token("NOT", word, i), end
    if word in ("true", "false"):
        return Token("BOOL", word, i), end
    if word in _TYPED_LITERALS and s.startswith("'", end):
        text, stop = _read_string(s, end)
        return Token(_TYPED_LITERALS[word], text, i), stop
    raise PatternError(f"unexpected word {word!r} at position {i}")


def tokenize(pattern: str) -> list[Token]:
    """Split a STIX 2.1 pattern into tokens; raise PatternError on a lexical error."""
    tokens: list[Token] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c in _WS:
            i += 1
        elif c == "'":
            text, end = _read_string(pattern, i)
            tokens.append(Token("STR", text, i))
            i = end
        elif c in _WORD_START:
            tok, i = _word(pattern, i)
            tokens.append(tok)
        elif (sym := _symbol(pattern, i)) is not None:
            tokens.append(sym[0])
            i = sym[1]
        elif c in _NUMBER_START and (m := _NUMBER.match(pattern, i)) is not None:
            tokens.append(Token("NUM", m.group(), i))
            i = m.end()
        else:
            raise PatternError(f"unexpected character {c!r} at position {i}")
    return tokens


# --------------------------------------------------------------------------------------------
# Parser: only ORs of `path = 'string'` comparisons become lookups
# --------------------------------------------------------------------------------------------

_QUALIFIERS = frozenset({"WITHIN", "START", "STOP", "REPEATS"})


class _Parser:
    """Recursive descent over the tokens of one pattern."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, what: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise PatternError(f"unexpected end of pattern: expected {what} (unbalanced brackets?)")
        self.i += 1
        return tok

    def expect(self, kind: str) -> None:
        tok = self.take(f"'{kind}'")
        if tok.kind != kind:
            raise PatternError(f"expected '{kind}' at position {tok.pos}, got {tok.text!r}")

    def refuse_join(self, inside: bool) -> None:
        tok = self.peek()
        if tok is not None and tok.kind in ("AND", "FOLLOWEDBY"):
            where = "inside an observation" if inside else "between observations"
            raise PatternError(f"{tok.kind} {where} is not supported (only OR)")

    def observations(self) -> list[tuple[str, str]]:
        out = self.observation()
        self.refuse_join(inside=False)
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.i += 1
            out += self.observation()
            self.refuse_join(inside=False)
        return out

    def observation(self) -> list[tuple[str, str]]:
        tok = self.take("'[' or '('")
        if tok.kind == "[":
            out = self.comparisons()
            self.expect("]")
        elif tok.kind == "(":
            out = self.observations()
            self.expect(")")
        else:
            raise PatternError(f"expected '[' at position {tok.pos}, got {tok.text!r}")
        nxt = self.peek()
        if nxt is not None and nxt.kind in _QUALIFIERS:
            raise PatternError(f"qualifier {nxt.kind} at position {nxt.pos} is not supported")
        return out

    def comparisons(self) -> list[tuple[str, str]]:
        out = self.comparison()
        self.refuse_join(inside=True)
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.i += 1
            out += self.comparison()
            self.refuse_join(inside=True)
        return out

    def comparison(self) -> list[tuple[str, str]]:
        tok = self.take("an object path")
        if tok.kind == "(":
            out = self.comparisons()
            self.expect(")")
            return out
        if tok.kind != "PATH":
            raise PatternError(f"expected an object path at position {tok.pos}, got {tok.text!r}")
        op = self.take("a comparison operator")
        if op.kind == "NOT":
            raise PatternError(f"NOT at position {op.pos} is not supported")
        if op.kind != "OP":
            raise PatternError(f"expected an operator at position {op.pos}, got {op.text!r}")
        if op.text != "=":
            raise PatternError(f"operator {op.text} at position {op.pos} is not supported (only =)")
        value = self.take("a value")
        if value.kind != "STR":
            raise PatternError(f"value at position {value.pos} is {value.kind}, not a string")
        return [(tok.text, value.text)]


def parse_pattern_full(pattern: str) -> list[tuple[str, str]]:
    """``parse_pattern`` through the full tokenizer, without the fast path."""
    parser = _Parser(tokenize(pattern))
    out = parser.observations()
    extra = parser.peek()
    if extra is not None:
        raise PatternError(f"unexpected {extra.text!r} at position {extra.pos}")
    return out


_FAST_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:")


def _parse_fast(s: str) -> list[tuple[str, str]] | None:
    """The common ``[type:prop = 'value']`` shape without escapes, or None to use the tokenizer.

    Returns None for anything it is not sure of, so it never disagrees with the tokenizer (tested
    on every bundled pattern).
    """
    if not s.startswith("[") or not s.endswith("']"):
        return None
    eq = s.find("=")
    if eq < 0:
        return None
    path = s[1:eq].strip(_WS)
    if not path or path[0] not in _WORD_START or not _FAST_PATH_CHARS.issuperset(path):
        return None
    obj, _, prop = path.partition(":")
    if "." in obj or ":" in prop or not prop or "" in prop.split("."):
        return None
    rest = s[eq + 1 :].lstrip(_WS)
    if not rest.startswith("'") or len(rest) < 3:
        return None
    value = rest[1:-2]
    if "'" in value or "\\" in value:
        return None
    return [(path, value)]


def parse_pattern(pattern: str) -> list[tuple[str, str]]:
    """The (object path, value) comparisons that ``pattern`` ORs together.

    Raises PatternError for anything else: AND, FOLLOWEDBY, operators other than ``=``,
    non-string values, qualifiers, unbalanced brackets, unterminated strings.
    """
    fast = _parse_fast(pattern)
    return fast if fast is not None else parse_pattern_full(pattern)
