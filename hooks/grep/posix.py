"""GNU basic (`grep`, `-G`) and extended (`-E`) regular expressions translated into Python `re`.

The parser follows GNU dfa.c (regexp -> branch -> closure -> atom), which is what decides a line
for patterns without back-references; constructs on which dfa.c and glibc's regex (used when a
pattern has back-references) read differently are refused. Whether a line matches is the same
question for a POSIX (leftmost-longest) and a backtracking engine, so the translation only has to
preserve the language of each construct:

- `\\+ \\? \\{m,n\\}` (BRE) and `+ ? {m,n}` (ERE) become `(?:X){m,n}`, never a lazy or possessive
  Python quantifier (`a+?` in an ERE is `(a+)?`);
- classes and `.` become explicit byte sets; `\\<`, `\\>`, `\\b`, `\\B` explicit look-arounds over
  `[0-9A-Za-z_]`; `$` becomes `\\Z`;
- groups and back-references are named per pattern, so several `-e` patterns can share one regex.
"""

from __future__ import annotations

from dataclasses import dataclass

from runbook_guard.hooks.grep import charsets
from runbook_guard.hooks.grep.errors import Unsupported, rejected
from runbook_guard.hooks.grep.posix_lex import Lexer, Token

Node = tuple  # ("char", c) ("set", mask) ("any",) ("bol",) ... ("group", n, node) ("cat", [..])
ATOMS = ("CHAR", "SET", "ANY", "BACKREF", "BOL", "EOL", "BOW", "EOW", "WB", "NWB")
ZERO_WIDTH = ("bol", "eol", "bow", "eow", "wb", "nwb")
W = charsets.WORD_CLASS
EMIT = {
    "any": ".",
    "bol": "^",
    "eol": "\\Z",
    "bow": f"(?<!{W})(?={W})",
    "eow": f"(?<={W})(?!{W})",
    "wb": f"(?:(?<={W})(?!{W})|(?<!{W})(?={W}))",
    "nwb": f"(?:(?<={W})(?={W})|(?<!{W})(?!{W}))",
    "empty": "",
}
# The same, as RE2 (google-re2) reads it: RE2's \b and \B are ASCII word boundaries, exactly
# GNU's in the C locale; `\<` and `\>` need a lookaround, which RE2 does not have.
EMIT_RE2 = {**EMIT, "eol": "\\z", "wb": "\\b", "nwb": "\\B", "bow": None, "eow": None}


@dataclass(frozen=True)
class Translation:
    regex: str  # Python source, to be compiled with re.ASCII | re.DOTALL (| re.IGNORECASE)
    backrefs: bool
    nullable: bool  # may match the empty string
    stray_rparen: bool = False  # an ERE `)` without `(`, read as a literal
    re2: str | None = None  # the same pattern for RE2, when RE2 can say it
    # Can Python's backtracking engine take more than quadratic time on it? (Two unbounded
    # repetitions, or one around another repetition or an alternation: `x.*y.*z`, `(a+)+b`.)
    risky: bool = False


class _Parser:
    def __init__(self, lexer: Lexer) -> None:
        self.lexer = lexer
        self.tok: Token = lexer.next()
        self.groups = 0
        self.closed: set[int] = set()

    def advance(self) -> None:
        self.tok = self.lexer.next()

    def parse(self) -> Node:
        node = self.regexp()
        if self.tok[0] != "END":
            raise rejected("unmatched ) or \\)")
        return node

    def regexp(self) -> Node:
        branches = [self.branch()]
        while self.tok[0] == "OR":
            self.advance()
            branches.append(self.branch())
        return branches[0] if len(branches) == 1 else ("alt", branches)

    def branch(self) -> Node:
        items = [self.closure()]
        while self.tok[0] not in ("RPAREN", "OR", "END"):
            items.append(self.closure())
        return ("cat", items)

    def closure(self) -> Node:
        node = self.atom()
        while self.tok[0] in ("STAR", "PLUS", "QMARK", "REPMN"):
            if node[0] in ZERO_WIDTH:
                raise Unsupported("a repetition of an anchor (grep's two regex engines disagree)")
            kind = self.tok[0]
            lo, hi = {"STAR": (0, None), "PLUS": (1, None), "QMARK": (0, 1)}.get(kind, self.tok[1:])
            node = ("rep", node, lo, hi)
            self.advance()
        return node

    def atom(self) -> Node:
        kind = self.tok[0]
        if kind in ATOMS:
            node: Node = (kind.lower(), *self.tok[1:])
            if kind == "BACKREF" and self.tok[1] not in self.closed:
                raise rejected("invalid back reference")
            self.advance()
            return node
        if kind == "LPAREN":
            self.groups += 1
            number = self.groups
            self.advance()
            inner = self.regexp()
            if self.tok[0] != "RPAREN":
                raise rejected("unmatched ( or \\(")
            self.closed.add(number)
            self.advance()
            return ("group", number, inner)
        return ("empty",)


def _check_backrefs(node: Node, path: tuple[Node, ...], seen: dict[int, tuple[Node, ...]]) -> None:
    """Refuse back-references GNU's regex and Python resolve differently: to a group inside a
    repetition, or in another alternative."""
    kind = node[0]
    if kind == "group":
        if any(a[0] == "rep" for a in path):
            raise Unsupported("a back-reference to a group inside a repetition")
        seen[node[1]] = path
        _check_backrefs(node[2], (*path, node), seen)
    elif kind == "backref":
        group_path = seen[node[1]]
        shared = 0
        while shared < min(len(path), len(group_path)) and path[shared] is group_path[shared]:
            shared += 1
        if shared and path[shared - 1][0] == "alt":
            raise Unsupported("a back-reference to a group in another alternative")
    elif kind in ("cat", "alt"):
        for child in node[1]:
            _check_backrefs(child, (*path, node), seen)
    elif kind == "rep":
        _check_backrefs(node[1], (*path, node), seen)


def _nullable(node: Node) -> bool:
    kind = node[0]
    if kind in ("char", "set", "any"):
        return False
    if kind == "group":
        return _nullable(node[2])
    if kind == "cat":
        return all(_nullable(n) for n in node[1])
    if kind == "alt":
        return any(_nullable(n) for n in node[1])
    if kind == "rep":
        return node[2] == 0 or _nullable(node[1])
    return True  # anchors, empty, back-references (a group may be empty)


class _NotRE2(Exception):
    """The pattern needs what RE2 does not have (a back-reference, `\\<`, `\\>`)."""


def _emit(node: Node, prefix: str, table: dict[str, str | None] = EMIT, icase: bool = False) -> str:
    """The regex source of a node. For RE2 (`table` EMIT_RE2) case is folded here, ASCII only
    as in grep's C locale, since RE2's own folding also pairs Latin-1 letters (é, É)."""
    kind = node[0]
    if kind == "char":
        c = node[1]
        if icase and c.isascii() and c.isalpha():
            return f"[{c.lower()}{c.upper()}]"
        return c if c.isascii() and c.isalnum() else f"\\x{ord(c):02x}"
    if kind == "set":
        if table is not EMIT and node[1] == 0:
            return "[^\\x00-\\xff]"  # RE2 has no `(?!)`
        return charsets.render(node[1])
    if kind == "group":
        return f"(?P<{prefix}{node[1]}>{_emit(node[2], prefix, table, icase)})"
    if kind == "backref":
        if table is not EMIT:
            raise _NotRE2
        return f"(?P={prefix}{node[1]})"
    if kind == "cat":
        return "".join(_emit(n, prefix, table, icase) for n in node[1])
    if kind == "alt":
        return "(?:" + "|".join(_emit(n, prefix, table, icase) for n in node[1]) + ")"
    if kind == "rep":
        inner, lo, hi = node[1:]
        count = {(0, None): "*", (1, None): "+", (0, 1): "?"}.get((lo, hi))
        if count is None:
            count = f"{{{lo}}}" if lo == hi else f"{{{lo},{'' if hi is None else hi}}}"
        return f"(?:{_emit(inner, prefix, table, icase)}){count}"
    emitted = table[kind]
    if emitted is None:
        raise _NotRE2
    return emitted


def _unbounded(node: Node) -> int:
    """How many unbounded repetitions (`*`, `+`, `{n,}`) the pattern has."""
    kind = node[0]
    if kind == "rep":
        return (node[3] is None) + _unbounded(node[1])
    if kind == "group":
        return _unbounded(node[2])
    if kind in ("cat", "alt"):
        return sum(_unbounded(n) for n in node[1])
    return 0


def _nested(node: Node) -> bool:
    """An unbounded repetition around another repetition or an alternation (`(a+)+`,
    `(a|ab)*`): exponential for a backtracking engine."""
    kind = node[0]
    if kind == "rep":
        inner = node[1]
        if node[3] is None and (_has(inner, "rep") or _has(inner, "alt")):
            return True
        return _nested(inner)
    if kind == "group":
        return _nested(node[2])
    if kind in ("cat", "alt"):
        return any(_nested(n) for n in node[1])
    return False


def translate(pattern: str, *, extended: bool, icase: bool, prefix: str = "g") -> Translation:
    """One GNU BRE/ERE pattern (no newlines) as a Python regex; `Unsupported` if not exact."""
    lexer = Lexer(pattern, extended, icase)
    tree = _Parser(lexer).parse()
    backrefs = "\\" in pattern and _has(tree, "backref")
    if backrefs:
        _check_backrefs(tree, (), {})
    try:
        re2: str | None = _emit(tree, prefix, EMIT_RE2, icase)
    except _NotRE2:
        re2 = None
    risky = _unbounded(tree) >= 2 or _nested(tree)
    regex = _emit(tree, prefix)
    return Translation(regex, backrefs, _nullable(tree), lexer.stray_rparen, re2, risky)


def _has(node: Node, kind: str) -> bool:
    if node[0] == kind:
        return True
    if node[0] in ("cat", "alt"):
        return any(_has(n, kind) for n in node[1])
    if node[0] == "rep":
        return _has(node[1], kind)
    if node[0] == "group":
        return _has(node[2], kind)
    return False
