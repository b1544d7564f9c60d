"""README's thread tables are what `emu scenarios` and `emu race` print today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_thread_tables_are_up_to_date() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "thread_report.py"), "--check"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
