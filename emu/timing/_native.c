/*
 * The native block hook: counts retired instructions per translated block and stops the
 * Unicorn run loop when a budget or deadline would be crossed, or when an interrupt the
 * Python side has flagged as deliverable becomes unmasked.
 *
 * It needs no Unicorn headers and links against nothing: Python hands it the addresses
 * of uc_reg_read and uc_emu_stop in the state block. Measured cost: see docs/performance.md.
 */
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

typedef int (*uc_reg_read_fn)(void *uc, int regid, void *value);
typedef int (*uc_emu_stop_fn)(void *uc);
/* Called the first time a block start address is seen; nonzero: stop before running it. */
typedef int (*new_block_fn)(uint64_t address, uint32_t size);

enum { STOP_NONE = 0, STOP_LIMIT = 1, STOP_IRQ = 2, STOP_POLL = 3, STOP_PC_ALIGN = 4 };

/* Shared with emu/timing/native.py (ctypes.Structure NativeState): keep the order. */
typedef struct {
    uint64_t insns;        /* instructions charged so far (whole blocks)           */
    uint64_t limit;        /* never charge a block that would go past this         */
    uint64_t block_start;  /* address of the last block charged (a loop that runs it
                              again skips the lookup in `seen`)                    */
    uint64_t block_insns;  /* its length in instructions                           */
    uint64_t take_mask;    /* bit (EL*4 + I*2 + F): an interrupt is taken there    */
    uint64_t stop_reason;  /* why the hook stopped the run                         */
    uint64_t poll;         /* nonzero: stop before the next block                  */
    uint64_t pstate_regid; /* UC_ARM64_REG_PSTATE                                  */
    uc_reg_read_fn reg_read;
    uc_emu_stop_fn emu_stop;
    new_block_fn new_block; /* may be NULL                                         */
    uint64_t *seen;         /* open-addressing set of block addresses; 0 = empty    */
    uint64_t seen_cap;      /* a power of two                                       */
    uint64_t seen_count;
} emu_native_state;

static uint64_t slot_of(uint64_t address, uint64_t cap)
{
    return (address * 0x9E3779B97F4A7C15ull >> 17) & (cap - 1);
}

static int seen_grow(emu_native_state *s)
{
    uint64_t cap = s->seen_cap ? s->seen_cap * 2 : 4096;
    uint64_t *table = calloc(cap, sizeof *table);
    if (!table)
        return -1;
    for (uint64_t i = 0; i < s->seen_cap; i++) {
        uint64_t a = s->seen[i];
        if (a) {
            uint64_t j = slot_of(a, cap);
            while (table[j])
                j = (j + 1) & (cap - 1);
            table[j] = a;
        }
    }
    free(s->seen);
    s->seen = table;
    s->seen_cap = cap;
    return 0;
}

/* Insert `address` (stored +1 so that 0 stays "empty"); returns 1 if it was new. */
static int seen_insert(emu_native_state *s, uint64_t address)
{
    uint64_t key = address + 1;
    if ((s->seen_count + 1) * 10 > s->seen_cap * 7 && seen_grow(s) != 0)
        return 0;
    uint64_t j = slot_of(key, s->seen_cap);
    while (s->seen[j]) {
        if (s->seen[j] == key)
            return 0;
        j = (j + 1) & (s->seen_cap - 1);
    }
    s->seen[j] = key;
    s->seen_count++;
    return 1;
}

void emu_native_forget_blocks(emu_native_state *s)
{
    free(s->seen);
    s->seen = NULL;
    s->seen_cap = 0;
    s->seen_count = 0;
}

void emu_block_hook(void *uc, uint64_t address, uint32_t size, void *user)
{
    emu_native_state *s = (emu_native_state *)user;
    uint64_t n = size >> 2;

    if (address & 3) {
        s->stop_reason = STOP_PC_ALIGN;
        s->emu_stop(uc);
        return;
    }
    if (s->poll) {
        s->poll = 0;
        s->stop_reason = STOP_POLL;
        s->emu_stop(uc);
        return;
    }
    if (s->take_mask) {
        uint64_t pstate = 0;
        s->reg_read(uc, (int)s->pstate_regid, &pstate);
        unsigned idx = (unsigned)(((pstate >> 2) & 3) << 2 | ((pstate >> 6) & 3));
        if ((s->take_mask >> idx) & 1) {
            s->stop_reason = STOP_IRQ;
            s->emu_stop(uc);
            return;
        }
    }
    if (address != s->block_start && s->new_block && seen_insert(s, address) && s->new_block(address, size)) {
        s->stop_reason = STOP_POLL;
        s->emu_stop(uc);
        return;
    }
    if (s->insns + n > s->limit) {
        s->stop_reason = STOP_LIMIT;
        s->emu_stop(uc);
        return;
    }
    s->insns += n;
    s->block_start = address;
    s->block_insns = n;
}

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "_native",
    "Native Unicorn hooks, loaded through ctypes (see emu/timing/native.py).", -1, NULL,
};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&native_module); }
