import os

# An old violation, committed long ago: the hooks leave it alone until someone edits it.
LEGACY_FLAG = os.environ.get("LEGACY_FLAG")
