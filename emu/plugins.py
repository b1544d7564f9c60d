"""Loading a user's class named on the command line: `path/to/file.py:Class` or `package.module:Class`."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import TypeVar

from emu.errors import UsageError

T = TypeVar("T")


def load_class(spec: str, base: type[T], what: str) -> type[T]:
    """Import the class `spec` names and check it subclasses `base`; any failure is a UsageError
    in one paragraph (`what` names the option, e.g. "the hypervisor")."""
    where, _, name = spec.rpartition(":")
    if not where or not name:
        raise UsageError(f"{what} takes MODULE:CLASS or FILE.py:CLASS, not {spec!r}")
    try:
        if where.endswith(".py"):
            module_spec = importlib.util.spec_from_file_location(Path(where).stem, where)
            if module_spec is None or module_spec.loader is None or not Path(where).is_file():
                raise ImportError(f"no such file {where}")
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
        cls = getattr(module, name)
    except Exception as err:  # any failure to import user code: one paragraph, never a traceback
        raise UsageError(f"cannot load {what} {spec!r}: {type(err).__name__}: {err}") from None
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise UsageError(f"{what} {spec!r} is not a subclass of {base.__module__}.{base.__qualname__}")
    return cls
