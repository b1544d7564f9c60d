// @el 1
/* runtime_el1: the runtime entered at EL1 (emu --el 1; QEMU virt without virtualization=on).
 *
 * start.S sets VBAR_EL1 and records the entry EL; the PSCI conduit is then HVC (lib.c).
 * Prints CurrentEL (EL1: 0x4 >> 2 = 1), PSCI_VERSION through HVC (1.1: 0x10001), then takes an
 * SVC #0x42 through the runtime's vector table: kind 4 (current EL with SP_ELx, synchronous),
 * ESR_EL1 = EC 0x15 (SVC64) << 26 | IL | imm16 = 0x56000042, ELR_EL1 = the instruction after the
 * SVC, and x19-x28 intact across the handler. The final SYSTEM_OFF goes through HVC.
 * Arm ARM: AArch64.CallSupervisor (preferred return = next instruction), ESR_ELx EC 0x15;
 * PSCI 1.1 (DEN0022) PSCI_VERSION.
 */
#include "lib.h"

static volatile uint64_t seen_kind, seen_esr, seen_elr_offset, svc_address;

static int svc_handler(uint64_t kind, uint64_t esr, uint64_t elr)
{
    seen_kind = kind;
    seen_esr = esr;
    seen_elr_offset = elr - svc_address;
    return (esr >> 26) == 0x15;         /* an SVC: handled, return after it */
}

int main(void)
{
    uint64_t kept;

    print_reg("CURRENT_EL", current_el());
    print_reg("BOOT_EL", boot_el);
    print_reg("PSCI_VERSION", psci_call(PSCI_VERSION, 0, 0, 0));
    set_sync_handler(svc_handler);
    /* The SVC's own address, taken with ADR next to it; x19 must survive the exception. */
    __asm__ volatile(
        "mov x19, #0x1234\n\t"
        "adr %0, 1f\n\t"
        "str %0, [%2]\n\t"
        "1: svc #0x42\n\t"
        "mov %1, x19"
        : "=&r"(svc_address), "=r"(kept)
        : "r"(&svc_address)
        : "x19", "memory");
    print_reg("KIND", seen_kind);
    print_reg("ESR_EL1", seen_esr);
    print_reg("ELR_MINUS_SVC", seen_elr_offset);
    print_reg("X19_KEPT", kept);
    uart_puts("done\n");
    return 0;
}
