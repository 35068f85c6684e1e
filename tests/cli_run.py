"""`mkba` in this process with its stdout and stderr captured (shared by the CLI-level tests)."""
from __future__ import annotations

import contextlib
import io

from mkba.cli import main


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``mkba ARGV``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()
