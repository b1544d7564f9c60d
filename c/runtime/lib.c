/* lib.c: console, PSCI and exception dispatch of the C test kernels (see lib.h). */
#include "lib.h"

unsigned boot_el;
static irq_handler_t irq_handler;
static sync_handler_t sync_handler;

void uart_putc(char c)
{
    while (mmio_read32(UART_BASE + UART_FR) & UART_FR_TXFF)
        ;
    mmio_write32(UART_BASE + UART_DR, (uint8_t)c);
}

void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

void print_hex(uint64_t value)
{
    uart_putc('0');
    uart_putc('x');
    for (int shift = 60; shift >= 0; shift -= 4) {
        unsigned digit = (value >> shift) & 0xf;
        uart_putc(digit < 10 ? '0' + digit : 'a' + digit - 10);
    }
}

void print_reg(const char *name, uint64_t value)
{
    uart_puts(name);
    uart_putc('=');
    print_hex(value);
    uart_putc('\n');
}

void print_flag(const char *name, int cond)
{
    print_reg(name, cond ? 1 : 0);
}

/* An SMCCC call through the PSCI conduit: SMC when started at EL2 (QEMU virt with
 * virtualization=on answers SMCs itself), HVC when started at EL1. */
uint64_t psci_call(uint64_t function, uint64_t arg1, uint64_t arg2, uint64_t arg3)
{
    register uint64_t x0 __asm__("x0") = function;
    register uint64_t x1 __asm__("x1") = arg1;
    register uint64_t x2 __asm__("x2") = arg2;
    register uint64_t x3 __asm__("x3") = arg3;
    if (boot_el == 2)
        __asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
    else
        __asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) :: "memory");
    return x0;
}

void psci_system_off(void)
{
    psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
    for (;;)
        __asm__ volatile("wfi");
}

void set_irq_handler(irq_handler_t handler)
{
    irq_handler = handler;
}

void set_sync_handler(sync_handler_t handler)
{
    sync_handler = handler;
}

void handle_exception(uint64_t kind, uint64_t esr, uint64_t elr)
{
    if ((kind == EXC_IRQ_CUR_SPX || kind == EXC_IRQ_LOWER) && irq_handler) {
        irq_handler();
        return;
    }
    if ((kind == EXC_SYNC_CUR_SP0 || kind == EXC_SYNC_CUR_SPX || kind == EXC_SYNC_LOWER) &&
        sync_handler && sync_handler(kind, esr, elr))
        return;
    print_reg("UNEXPECTED_EXCEPTION", kind);
    print_reg("ESR", esr);
    print_reg("ELR", elr);
    psci_system_off();
}

/* GCC may emit calls to these even with -ffreestanding. Byte loops: no unaligned accesses
 * (with the MMU off all data accesses are Device memory, where they fault). */
void *memset(void *dst, int c, size_t n)
{
    volatile uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    volatile uint8_t *d = dst;
    const volatile uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}
