#!/usr/bin/env python3
"""`emu bench` from a checkout without installing the console script (see emu/bench.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emu.bench import main  # noqa: E402

sys.exit(main())
