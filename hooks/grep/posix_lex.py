"""The tokens of a GNU basic or extended regular expression, as GNU grep's dfa.c lexes them.

Context decides what a character means, exactly as in dfa.c: in a BRE `*` is literal at the
start of an expression (or after `\\(`, `\\|`, `^`), `^` is an anchor only at the start or after
`\\(` / `\\|`, `$` only at the end or before `\\)` / `\\|`; in an ERE `{` that does not begin a
valid interval is literal, and an unmatched `)` is literal. Errors GNU grep reports (from dfa.c
or from glibc's regex, which grep also compiles every pattern with) raise `Unsupported`.
"""

from __future__ import annotations

from runbook_guard.hooks.grep import charsets
from runbook_guard.hooks.grep.errors import Unsupported, rejected
from runbook_guard.hooks.grep.posix_bracket import parse_bracket

RE_DUP_MAX = 32767
MAX_REPEAT = 255  # larger counts are valid but compile slowly in Python; refused
ASSERTIONS = {"<": "BOW", ">": "EOW", "b": "WB", "B": "NWB"}
Token = tuple  # ("CHAR", c) ("SET", mask) ("REPMN", lo, hi) ("BACKREF", n) (kind,)


class Lexer:
    def __init__(self, pattern: str, extended: bool, icase: bool) -> None:
        self.p = pattern
        self.i = 0
        self.ere = extended
        self.icase = icase
        self.laststart = True
        self.lasttok = "END"
        self.parens = 0
        self.stray_rparen = False  # an ERE `)` with no `(`: literal, but it breaks -w/-x in grep

    def _ret(self, tok: Token) -> Token:
        self.lasttok = tok[0]
        return tok

    def _char(self, c: str) -> Token:
        self.laststart = False
        return self._ret(("CHAR", c))

    def _set(self, mask: int) -> Token:
        self.laststart = False
        return self._ret(("SET", mask))

    def next(self) -> Token:
        if self.i >= len(self.p):
            return self._ret(("END",))
        c = self.p[self.i]
        self.i += 1
        if c == "\\":
            if self.i >= len(self.p):
                raise rejected("trailing backslash")
            c = self.p[self.i]
            self.i += 1
            return self._escaped(c)
        return self._plain(c)

    def _plain(self, c: str) -> Token:
        if c == "^":
            if self.ere or self.lasttok in ("END", "LPAREN", "OR"):
                return self._ret(("BOL",))
            if self.lasttok in ("BOL", "EOL", "BOW", "EOW", "WB", "NWB"):
                raise Unsupported(
                    "a literal `^` right after an anchor (grep's two regex engines disagree)"
                )
            return self._char(c)
        if c == "$":
            return self._dollar()
        if c == "*":
            return self._repetition(("STAR",), c)
        if c in "+?" and self.ere:
            return self._repetition(("PLUS",) if c == "+" else ("QMARK",), c)
        if c == "{" and self.ere:
            return self._interval(c)
        if c == "|" and self.ere:
            self.laststart = True
            return self._ret(("OR",))
        if c == "(" and self.ere:
            return self._lparen()
        if c == ")" and self.ere:
            return self._rparen(c)
        if c == ".":
            self.laststart = False
            return self._ret(("ANY",))
        if c == "[":
            self.laststart = False
            return self._ret(("SET", self._bracket()))
        return self._char(c)

    def _escaped(self, c: str) -> Token:
        if c in "123456789":
            self.laststart = False
            return self._ret(("BACKREF", int(c)))
        if c in ASSERTIONS:
            return self._ret((ASSERTIONS[c],))
        if c in "wW":
            return self._set(charsets.WORD if c == "w" else charsets.ALL & ~charsets.WORD)
        if c in "sS":
            return self._set(charsets.SPACE if c == "s" else charsets.ALL & ~charsets.SPACE)
        if not self.ere:
            if c in "+?":
                return self._repetition(("PLUS",) if c == "+" else ("QMARK",), c)
            if c == "{":
                return self._interval(c)
            if c == "|":
                self.laststart = True
                return self._ret(("OR",))
            if c == "(":
                return self._lparen()
            if c == ")":
                return self._rparen(c)
        if c.isalnum() and c.isascii():
            raise Unsupported(
                f"`\\{c}` is not a GNU regex operator (it means different things in "
                "different grep versions)"
            )
        return self._char(c)

    def _dollar(self) -> Token:
        rest = self.p[self.i :]
        if self.ere or not rest or rest.startswith(("\\)", "\\|")):
            return self._ret(("EOL",))
        return self._char("$")

    def _repetition(self, tok: Token, c: str) -> Token:
        if self.laststart:
            if not self.ere:
                return self._char(c)
            raise Unsupported(
                f"`{c}` at the start of an expression (grep warns; its two regex engines disagree)"
            )
        return self._ret(tok)

    def _lparen(self) -> Token:
        self.parens += 1
        self.laststart = True
        return self._ret(("LPAREN",))

    def _rparen(self, c: str) -> Token:
        if self.parens == 0 and self.ere:
            self.stray_rparen = True
            return self._char(c)
        self.parens -= 1
        self.laststart = False
        return self._ret(("RPAREN",))

    def _interval(self, c: str) -> Token:
        if self.laststart:
            if not self.ere:
                return self._char(c)
            raise Unsupported("an interval at the start of an expression (grep warns)")
        start = self.i
        lo, hi, ok = self._interval_bounds()
        if not ok:
            if self.ere and not _glibc_rejects_interval(self.p, start):
                self.i = start
                return self._char(c)
            raise rejected("invalid content of \\{\\}")
        if hi is not None and lo > hi:
            raise rejected("invalid content of \\{\\} (minimum above maximum)")
        if max(lo, hi or 0) > RE_DUP_MAX:
            raise rejected("regular expression too big")
        if max(lo, hi or 0) > MAX_REPEAT:
            raise Unsupported(f"repetition counts above {MAX_REPEAT}")
        self.laststart = False
        return self._ret(("REPMN", lo, hi))

    def _interval_bounds(self) -> tuple[int, int | None, bool]:
        p, i = self.p, self.i
        digits = ""
        while i < len(p) and p[i].isdigit() and p[i].isascii():
            digits += p[i]
            i += 1
        lo: int | None = int(digits) if digits else None
        hi: int | None = lo
        if i < len(p) and p[i] == ",":
            lo = lo or 0
            i += 1
            digits = ""
            while i < len(p) and p[i].isdigit() and p[i].isascii():
                digits += p[i]
                i += 1
            hi = int(digits) if digits else None
        if not self.ere:
            if not p.startswith("\\", i):
                return 0, None, False
            i += 1
        if i >= len(p) or p[i] != "}" or lo is None:
            return 0, None, False
        self.i = i + 1
        return lo, hi, True

    def _bracket(self) -> int:
        mask, self.i = parse_bracket(self.p, self.i, self.icase)
        return mask


def _glibc_rejects_interval(p: str, i: int) -> bool:
    """Does glibc's regex reject the ERE interval starting after the `{` at p[i-1]? (dfa.c reads
    an invalid interval as a literal `{`; glibc does too, except for `{}` and `{m,n,`.)"""
    for part in (0, 1):
        j = i
        while j < len(p) and p[j] not in "},":
            j += 1
        if j >= len(p) or not all(c in "0123456789" for c in p[i:j]):
            return False  # rolled back: a literal `{`
        if p[j] == "}":
            return part == 0 and i == j  # `{}`
        if part == 1:
            return True  # `{m,n,`
        i = j + 1
    return False
