"""GNU grep command lines from runbooks, compiled into exact Python equivalents.

`compile_command('grep -r "os\\.environ\\[" . --include="*.py" | grep -v isolated_environment')`
returns a `Pipeline` whose `search(path, data)` gives the lines of that file the command would
print, with GNU grep 3.x's meaning under `LC_ALL=C` (text is bytes; `\\w`, `[[:alpha:]]` and
`-i` are ASCII). Anything that cannot be mirrored exactly raises `Unsupported` with the reason.

Modules: `shell` (word splitting), `options` (GNU getopt_long), `posix_lex`/`posix_bracket`/
`posix` (BRE/ERE), `pcre` (-P), `matcher` (-F -i -w -x -v), `paths` (operands, -r, globs),
`pipeline` (the command and its `| grep` filters).
"""

from __future__ import annotations

from runbook_guard.hooks.grep.errors import Unsupported
from runbook_guard.hooks.grep.pipeline import Hit, Pipeline, compile_command

__all__ = ["Hit", "Pipeline", "Unsupported", "compile_command"]
