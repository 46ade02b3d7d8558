"""The words teams label the parts of a runbook entry with, in one place.

A runbook entry says what a failure looks like, why it happens, how to check and what to do, under
labels that differ from team to team (`**Symptom**:`, `Signs:`, `#### What you see`, `- Do: ...`).
The parser folds part headings into their entry by these words, the matcher reads the symptom and
the explanation by them, and the bot takes an issue's Fix by them. Lower case, without the
label's closing `:` or `.`.
"""

from __future__ import annotations

# What the failure looks like
SYMPTOM_LABELS = (
    *("symptom", "symptoms", "sign", "signs", "seen", "error", "errors", "signature"),
    *("what you see", "what it looks like", "looks like"),
)
# Why it happens
CAUSE_LABELS = (
    *("why", "why it happens", "cause", "causes", "root cause", "likely cause"),
    *("explanation", "meaning", "what it means"),
)
# How to confirm it is this problem
CHECK_LABELS = ("diagnosis", "how to check", "check", "how to confirm", "verify", "verification")
# What to do, the most usual name of a fix first: an issue takes the first the section has
FIX_LABELS = (
    *("fix", "quick fix", "how to fix", "what to do", "resolution", "remedy", "solution"),
    *("do this", "do", "steps", "action", "actions", "mitigation", "workaround", "try"),
)

# Headings that are a part of the entry above them (`#### Why`), not an entry of their own
PART_HEADINGS = frozenset(
    {*SYMPTOM_LABELS, *CAUSE_LABELS, *CHECK_LABELS, *FIX_LABELS, "impact", "prevention"}
)
