"""Fields of the generic timer registers this PE implements (Arm ARM D24.10): Armv8.0 (Cortex-A57)
with EL2 and no EL3, so FEAT_VHE, FEAT_ECV, FEAT_NV, FEAT_SEL2 and FEAT_RME are absent and every
field they add is RES0 (writes ignored, reads 0)."""

from __future__ import annotations

# The system counter's frequency: CNTFRQ_EL0's reset value (PLATFORM.md; QEMU's GTIMER_SCALE of 16 ns).
FREQUENCY_HZ = 62_500_000
MASK32 = (1 << 32) - 1
MASK64 = (1 << 64) - 1

# CNTP_CTL_EL0, CNTV_CTL_EL0, CNTHP_CTL_EL2 (D24.10.16, .25, .3): ISTATUS is RO, [63:3] RES0.
CTL_ENABLE, CTL_IMASK, CTL_ISTATUS = 1, 2, 4
CTL_RW = CTL_ENABLE | CTL_IMASK

# CNTKCTL_EL1 (D24.10.15): EL0PCTEN, EL0VCTEN, EVNTEN, EVNTDIR, EVNTI[7:4], EL0VTEN, EL0PTEN.
KCTL_EL0PCTEN, KCTL_EL0VCTEN = 1 << 0, 1 << 1
KCTL_EL0VTEN, KCTL_EL0PTEN = 1 << 8, 1 << 9
KCTL_RW = 0x3FF

# CNTHCTL_EL2 (D24.10.2), the layout for HCR_EL2.E2H = 0: EL1PCTEN, EL1PCEN, EVNTEN, EVNTDIR, EVNTI[7:4].
HCTL_EL1PCTEN, HCTL_EL1PCEN = 1 << 0, 1 << 1
HCTL_RW = 0xFF
# UNKNOWN at reset; QEMU resets it to EL1PCTEN | EL1PCEN ("ARMv7 requires bits 0 and 1 to reset to 1").
HCTL_RESET = HCTL_EL1PCTEN | HCTL_EL1PCEN
