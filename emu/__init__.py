"""emu: a cycle-approximate AArch64 emulator on Unicorn for hypervisor and kernel engineers.

The public facade is `emu.machine.Machine`; `emu.board.loader.load_image` reads images.
"""

__version__ = "0.1.0"
