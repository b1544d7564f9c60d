/* lib.h: the freestanding runtime of the C test kernels (c/runtime/).
 *
 * Console: the PL011 UART0 of QEMU's virt board at 0x0900_0000 (UARTDR at +0x00; UARTFR at +0x18,
 * TXFF = bit 5). Numbers print as 0x%016x, as in the asm kernels. No printf, no libc.
 * System registers: read_sysreg(name) / write_sysreg(name, value) expand to MRS / MSR.
 * Exceptions: start.S's vector table calls handle_exception(kind, esr, elr); kind is the vector
 * entry index (vector offset / 0x80). IRQs (kinds 1, 5, 9) go to the handler installed with
 * set_irq_handler(); everything else prints UNEXPECTED_EXCEPTION lines and powers off.
 */
#ifndef C_RUNTIME_LIB_H
#define C_RUNTIME_LIB_H

typedef unsigned char uint8_t;
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef unsigned long size_t;

#define UART_BASE 0x09000000UL
#define UART_DR   0x00
#define UART_FR   0x18
#define UART_FR_TXFF (1u << 5)

#define PSCI_VERSION    0x84000000UL
#define PSCI_SYSTEM_OFF 0x84000008UL

/* Exception kinds (vector entry index). */
#define EXC_SYNC_CUR_SP0 0
#define EXC_SYNC_CUR_SPX 4
#define EXC_SYNC_LOWER   8
#define EXC_IRQ_CUR_SPX  5
#define EXC_IRQ_LOWER    9

#define read_sysreg(reg) ({                                         \
    uint64_t __val;                                                 \
    __asm__ volatile("mrs %0, " #reg : "=r"(__val) :: "memory");    \
    __val;                                                          \
})
#define write_sysreg(reg, val) \
    __asm__ volatile("msr " #reg ", %0" :: "r"((uint64_t)(val)) : "memory")

#define isb() __asm__ volatile("isb" ::: "memory")
#define dsb_sy() __asm__ volatile("dsb sy" ::: "memory")
#define irq_enable() __asm__ volatile("msr daifclr, #2" ::: "memory")
#define irq_disable() __asm__ volatile("msr daifset, #2" ::: "memory")

static inline uint32_t mmio_read32(uint64_t addr)
{
    return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uint64_t addr, uint32_t val)
{
    *(volatile uint32_t *)addr = val;
}

/* Spin for n iterations of a loop the compiler cannot remove. */
static inline void busy_loop(uint64_t n)
{
    __asm__ volatile("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(n) :: "cc");
}

static inline unsigned current_el(void)
{
    return (unsigned)(read_sysreg(CurrentEL) >> 2) & 3;
}

extern unsigned boot_el;  /* the EL at entry (start.S) */

void uart_putc(char c);
void uart_puts(const char *s);
void print_hex(uint64_t value);               /* "0x%016x" */
void print_reg(const char *name, uint64_t value);  /* "NAME=0x%016x\n" */
void print_flag(const char *name, int cond);  /* "NAME=0x...0" or "NAME=0x...1", then "\n" */

uint64_t psci_call(uint64_t function, uint64_t arg1, uint64_t arg2, uint64_t arg3);
void psci_system_off(void) __attribute__((noreturn));

typedef void (*irq_handler_t)(void);
void set_irq_handler(irq_handler_t handler);
/* A synchronous exception handler returns nonzero if it handled the exception (ERET then
 * returns to ELR, which it cannot change: e.g. SVC, HVC, whose ELR is the next instruction). */
typedef int (*sync_handler_t)(uint64_t kind, uint64_t esr, uint64_t elr);
void set_sync_handler(sync_handler_t handler);
void handle_exception(uint64_t kind, uint64_t esr, uint64_t elr);

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

int main(void);

#endif
