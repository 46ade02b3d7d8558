"""GNU grep 3.x's command line, parsed as its `getopt_long` parses it.

Options may follow operands (GNU permutes them), short options combine (`-rn`, `-ePAT`,
`-e PAT`), long options take `=VALUE` or the next word and may be abbreviated to any unambiguous
prefix (`--incl=*.py`), and `--` ends the options. Options that change *which lines* are printed
in ways a per-line rule cannot mirror (`-c`, `-l`, `-m`, `-o`, context lines, `-f FILE`, ...) are
refused with the reason; options that change nothing for text files (`-s`, `-I`, `--color=never`,
...) are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runbook_guard.hooks.grep.errors import Unsupported

NONE, REQUIRED, OPTIONAL = 0, 1, 2

# Every long option of GNU grep 3.x (abbreviations are resolved against all of them).
LONG: dict[str, tuple[str, int]] = {
    "after-context": ("A", REQUIRED),
    "basic-regexp": ("G", NONE),
    "before-context": ("B", REQUIRED),
    "binary": ("U", NONE),
    "binary-files": ("binary-files", REQUIRED),
    "byte-offset": ("b", NONE),
    "color": ("color", OPTIONAL),
    "colour": ("color", OPTIONAL),
    "context": ("C", REQUIRED),
    "count": ("c", NONE),
    "dereference-recursive": ("R", NONE),
    "devices": ("D", REQUIRED),
    "directories": ("d", REQUIRED),
    "exclude": ("exclude", REQUIRED),
    "exclude-dir": ("exclude-dir", REQUIRED),
    "exclude-from": ("exclude-from", REQUIRED),
    "extended-regexp": ("E", NONE),
    "file": ("f", REQUIRED),
    "files-with-matches": ("l", NONE),
    "files-without-match": ("L", NONE),
    "fixed-regexp": ("F", NONE),
    "fixed-strings": ("F", NONE),
    "group-separator": ("group-separator", REQUIRED),
    "help": ("help", NONE),
    "ignore-case": ("i", NONE),
    "include": ("include", REQUIRED),
    "initial-tab": ("T", NONE),
    "invert-match": ("v", NONE),
    "label": ("label", REQUIRED),
    "line-buffered": ("line-buffered", NONE),
    "line-number": ("n", NONE),
    "line-regexp": ("x", NONE),
    "max-count": ("m", REQUIRED),
    "no-filename": ("h", NONE),
    "no-group-separator": ("no-group-separator", NONE),
    "no-ignore-case": ("no-ignore-case", NONE),
    "no-messages": ("s", NONE),
    "null": ("Z", NONE),
    "null-data": ("z", NONE),
    "only-matching": ("o", NONE),
    "perl-regexp": ("P", NONE),
    "quiet": ("q", NONE),
    "recursive": ("r", NONE),
    "regexp": ("e", REQUIRED),
    "silent": ("q", NONE),
    "text": ("a", NONE),
    "unix-byte-offsets": ("u", NONE),
    "version": ("V", NONE),
    "with-filename": ("H", NONE),
    "word-regexp": ("w", NONE),
}
SHORT_WITH_ARG = frozenset("ABCDXdefm")
SHORT = frozenset("0123456789EFGHIPTUVZabchiLlnoqRrsuvwxyz") | SHORT_WITH_ARG

REFUSED = {
    "A": "prints context lines after each match",
    "B": "prints context lines before each match",
    "C": "prints context lines around each match",
    "D": "reads devices, FIFOs and sockets",
    "X": "selects an undocumented matcher",
    "b": "prefixes byte offsets to output lines",
    "c": "prints a count of lines, not the lines",
    "d": "sets what to do with directories",
    "exclude-from": "reads its globs from a file",
    "f": "reads its patterns from a file",
    "group-separator": "sets the context group separator",
    "help": "prints help",
    "L": "prints the names of files without a match, not lines",
    "l": "prints the names of files with a match, not lines",
    "label": "names standard input",
    "m": "stops after a number of matches",
    "no-group-separator": "sets the context group separator",
    "o": "prints only the matched parts of lines",
    "q": "prints nothing: the command's result is its exit status",
    "T": "aligns output with tabs",
    "u": "is an obsolete option",
    "V": "prints the version",
    "Z": "ends file names with a NUL byte",
    "z": "reads NUL-separated records, not lines",
}
COLOR_OFF = {None, "never", "no", "none", "auto", "tty", "if-tty"}
BINARY_FILES = {"binary", "text", "without-match"}


@dataclass
class GrepOptions:
    matcher: str = ""  # "G", "E", "F" or "P" ("" until one is chosen: basic)
    patterns: list[str] | None = None  # from -e, in order; None: the first operand
    ignore_case: bool = False
    words: bool = False
    lines: bool = False
    invert: bool = False
    recursive: bool = False
    line_number: bool = False
    with_filename: int = 0  # 1: -H, -1: -h (the last one given wins)
    text: bool = False  # -a: binary files are read as text
    filters: list[tuple[str, bool]] = field(default_factory=list)  # (glob, is --include)
    exclude_dirs: list[str] = field(default_factory=list)
    operands: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.matcher or "G"

    @property
    def dir_globs(self) -> list[tuple[str, bool]]:
        return [(glob, False) for glob in self.exclude_dirs]


def _long_option(arg: str) -> tuple[str, str, int, str | None]:
    """(name as typed, key, argument kind, inline value) of a `--name[=value]` word."""
    name, eq, value = arg[2:].partition("=")
    if name in LONG:
        key, kind = LONG[name]
    else:
        found = {LONG[n] for n in LONG if n.startswith(name)}
        if not found:
            raise Unsupported(f"grep has no option `--{name}`")
        if len(found) > 1:
            raise Unsupported(f"`--{name}` is an ambiguous abbreviation for grep")
        ((key, kind),) = found
    return name, key, kind, (value if eq else None)


def parse_options(args: list[str], matcher: str = "") -> GrepOptions:
    """GNU grep's options and operands from its arguments (the words after `grep`)."""
    options = GrepOptions(matcher=matcher)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            options.operands.extend(args[i:])
            break
        if arg.startswith("--"):
            name, key, kind, value = _long_option(arg)
            if kind == NONE and value is not None:
                raise Unsupported(f"grep's `--{name}` takes no argument")
            if kind == REQUIRED and value is None:
                if i >= len(args):
                    raise Unsupported(f"grep's `--{name}` needs an argument")
                value, i = args[i], i + 1
            _apply(options, key, value)
        elif arg.startswith("-") and arg != "-":
            i = _short_cluster(options, arg, args, i)
        else:
            options.operands.append(arg)
    if options.patterns is None:
        if not options.operands:
            raise Unsupported("grep is given no pattern")
        options.patterns = [options.operands.pop(0)]
    return options


def _short_cluster(options: GrepOptions, arg: str, args: list[str], i: int) -> int:
    for n, letter in enumerate(arg[1:], start=1):
        if letter not in SHORT:
            raise Unsupported(f"grep has no option `-{letter}`")
        if letter in SHORT_WITH_ARG:
            value = arg[n + 1 :]
            if not value:
                if i >= len(args):
                    raise Unsupported(f"grep's `-{letter}` needs an argument")
                value, i = args[i], i + 1
            _apply(options, letter, value)
            return i
        _apply(options, letter, None)
    return i


def _apply(options: GrepOptions, key: str, value: str | None) -> None:
    if key.isdigit():
        raise Unsupported("`-NUM` prints context lines around each match")
    if key in REFUSED:
        raise Unsupported(f"`{_spelling(key)}` {REFUSED[key]}")
    if key in "EFGP" and len(key) == 1:
        if options.matcher and options.matcher != key:
            raise Unsupported("grep rejects conflicting matchers (e.g. -E with -F)")
        options.matcher = key
    elif key == "e":
        options.patterns = [*(options.patterns or []), value or ""]
    elif key in ("i", "y"):
        options.ignore_case = True
    elif key == "no-ignore-case":
        options.ignore_case = False
    elif key in ("include", "exclude"):
        options.filters.append((value or "", key == "include"))
    elif key == "exclude-dir":
        glob = (value or "").rstrip("/") or ("/" if value else "")
        options.exclude_dirs.append(glob)
    elif key == "color":
        if value not in COLOR_OFF:
            raise Unsupported(f"`--color={value}` puts escape codes into the output")
    elif key == "binary-files":
        if value not in BINARY_FILES:
            raise Unsupported(f"grep rejects `--binary-files={value}`")
        options.text = value == "text"
    else:
        _apply_flag(options, key)


def _apply_flag(options: GrepOptions, key: str) -> None:
    if key == "w":
        options.words = True
    elif key == "x":
        options.lines = True
    elif key == "v":
        options.invert = True
    elif key in ("r", "R"):
        options.recursive = True
    elif key == "n":
        options.line_number = True
    elif key == "H":
        options.with_filename = 1
    elif key == "h":
        options.with_filename = -1
    elif key == "a":
        options.text = True
    # s (no messages), I (skip binary files), U (binary: no effect on POSIX), line-buffered:
    # nothing a text file's matching lines depend on.


def _spelling(key: str) -> str:
    return f"-{key}" if len(key) == 1 else f"--{key}"
