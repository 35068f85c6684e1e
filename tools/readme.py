"""Read README.md's fenced code blocks: the two set-up commands at its top and the examples below.

Standard library only: `.ci/run` calls it with the bare system Python before anything is installed
(`python3 tools/readme.py setup test` prints the test command, which CI then runs as written).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

_FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)


@dataclass(frozen=True)
class Block:
    lang: str
    code: str
    line: int  # 1-based line of the opening fence in README.md


def blocks(text: str, lang: str | None = None) -> list[Block]:
    """Every fenced block (optionally only those of one language), in order."""
    out = []
    for m in _FENCE.finditer(text):
        if lang is None or m.group(1) == lang:
            out.append(Block(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1))
    return out


def setup_commands(text: str) -> dict[str, str]:
    """The two set-up commands: the first fenced block, before the first section heading.

    Its first line installs and runs mkba ("run"), its second installs the test extras and runs the
    tests ("test"). Anything else is an error, so the README cannot drift from what CI runs.
    """
    first = _FENCE.search(text)
    heading = re.search(r"^## ", text, re.M)
    if first is None or (heading is not None and heading.start() < first.start()) or first.group(1) != "bash":
        raise ValueError("README.md must open with a ```bash block holding the two set-up commands")
    lines = [ln.strip() for ln in first.group(2).splitlines() if ln.strip()]
    if len(lines) != 2:
        raise ValueError(f"README.md's set-up block must hold exactly two commands, not {len(lines)}")
    run, test = lines
    if "mkba run" not in run or "pytest" not in test:
        raise ValueError("README.md's set-up block: first the install + `mkba run`, then the install + pytest")
    return {"run": run, "test": test}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "setup" or argv[1] not in ("run", "test"):
        print("usage: python3 tools/readme.py setup run|test", file=sys.stderr)
        return 2
    try:
        print(setup_commands(README.read_text(encoding="utf-8"))[argv[1]])
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
