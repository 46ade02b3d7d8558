"""The least a Python pre-commit hook on the staged diff can do: start, import what a command
line that drives git needs, and ask git what we ask it (root and HEAD, the staged diff, the
blobs), checking nothing. `make bench` times it beside the bare start-up: the gap between the
two is the part of the 3x bar that no Python hook can spend on its own work."""

import argparse
import re
import subprocess
from pathlib import Path

argparse.ArgumentParser().parse_args([])
root = subprocess.run(
    ["git", "rev-parse", "--show-toplevel", "--verify", "--quiet", "HEAD^{commit}"],
    capture_output=True,
    check=False,
).stdout
diff = subprocess.run(
    ["git", "diff", "--cached", "--no-ext-diff", "--no-color", "--full-index", "-U0"],
    capture_output=True,
    check=False,
).stdout
blobs = re.findall(rb"^index [0-9a-f]+\.\.([0-9a-f]+)", diff, re.MULTILINE)
subprocess.run(
    ["git", "cat-file", "--batch"],
    input=b"\n".join(blobs) + b"\n",
    capture_output=True,
    check=False,
    cwd=Path(root.decode().splitlines()[0]) if root else None,
)
