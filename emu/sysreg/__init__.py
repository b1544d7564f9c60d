"""System registers declared as data: descriptors (`desc`), the registry keyed by encoding
(`registry`) and the access router that turns an access check's decision into an outcome
(`router`)."""

from __future__ import annotations

from emu.sysreg.desc import AccessContext, Decision, SysReg, raz, wi
from emu.sysreg.registry import Registry
from emu.sysreg.router import Outcome, access

__all__ = ["AccessContext", "Decision", "Outcome", "Registry", "SysReg", "access", "raz", "wi"]
