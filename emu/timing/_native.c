/*
 * The native block hook: the only code on emu's hot path.
 *
 * Once per execution of a translated block it
 *   - stops before a block at a misaligned PC, or when Python asked for a stop (poll), or when
 *     a pending interrupt is unmasked at the current (EL, PSTATE.I, PSTATE.F);
 *   - charges the outcome-dependent events of the previous block's last instruction (a taken
 *     conditional branch, a branch misprediction) now that it knows where that block went;
 *   - looks the block up by (address, size) in a table whose records Python fills on a miss
 *     (the instruction-class decode and the cost model run once per block, not per execution);
 *   - checks the SP against the residues (SP mod 16) at which one of the block's SP-based loads
 *     and stores would find it misaligned, and lets Python decide on a match;
 *   - stops before the block if it would reach a watch (an instruction budget, a deadline,
 *     a PMU counter's next overflow), so that Python can run up to the exact instruction;
 *   - otherwise adds the block's events to per-EL totals.
 *
 * It needs no Unicorn headers and links against nothing: Python hands it the addresses of
 * uc_reg_read and uc_emu_stop. Layout shared with emu/timing/native.py: keep them in step.
 */
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

#define NSLOTS 16
#define NWATCH 40
#define PRED_ENTRIES 1024
#define TARGET_ENTRIES 256
#define NO_ADDRESS UINT64_MAX
#define EL_UNKNOWN 3

typedef int (*uc_reg_read_fn)(void *uc, int regid, void *value);
typedef int (*uc_reg_write_fn)(void *uc, int regid, const void *value);
typedef int (*uc_emu_stop_fn)(void *uc);

enum { STOP_NONE = 0, STOP_WATCH = 1, STOP_IRQ = 2, STOP_POLL = 3, STOP_PC_ALIGN = 4 };
enum { TAIL_NONE = 0, TAIL_COND = 1, TAIL_INDIRECT = 2 };
/* Slots of events (emu/timing/native.py SLOTS): the ones the tail charges. The taken-branch
   bubble and the mispredict penalty are front-end stall cycles (STALL_FRONTEND) as well. */
enum { SLOT_CYCLES = 1, SLOT_PC_WRITE = 5, SLOT_BR_MIS_PRED = 9, SLOT_STALL_FRONTEND = 13 };

typedef struct {
    uint64_t address;
    uint64_t size;
    uint64_t branch_pc;     /* address of the last instruction (predictor index)          */
    uint32_t tail;          /* TAIL_*: what the last instruction's outcome changes         */
    uint32_t ends_in_eret;  /* the last instruction is ERET: the next block's EL is unknown */
    uint32_t taken_cycles;  /* extra cycles when a conditional tail branch is taken        */
    uint32_t nz;            /* ev[slots[0..nz)] are the nonzero ones (the hook adds those)  */
    uint32_t ev[NSLOTS];    /* events when the whole block retires                          */
    uint8_t slots[NSLOTS];
    const uint32_t *prefix; /* (n + 1) x NSLOTS prefix sums (Python owns them), or NULL      */
    uint64_t cond_target;   /* where a conditional tail branch goes when taken              */
    uint32_t branch_word;   /* its encoding, to evaluate it when the target is the next insn */
    uint32_t sp_mask;       /* bit r: an SP-based load/store in the block finds SP misaligned
                               when the block starts with SP % 16 == r (CheckSPAlignment)   */
} emu_block;

/* A PMU counter as an MRS may read it without Python: the value at the last sync plus what the
   per-EL totals gained since (Python refreshes these after every sync and PMU change). */
typedef struct {
    uint64_t ok_els;        /* bit n: an MRS at ELn is allowed (else Python decides)          */
    uint64_t slot;
    uint64_t el_mask;       /* ELs it counts at (0: not counting)                              */
    uint64_t value;         /* at the last sync                                                */
    uint64_t base[3];       /* totals[el][slot] at the last sync                               */
    uint64_t shift;         /* 6 for the cycle counter under PMCR_EL0.D, else 0                */
    uint64_t prescale;      /* cycles already counted towards the next tick                    */
    uint64_t mask;          /* 2^32 - 1 or 2^64 - 1                                            */
} emu_fast_counter;

#define NFAST 32            /* PMEVCNTR0..30_EL0, then PMCCNTR_EL0 */

typedef struct {
    uint64_t slot;
    uint64_t el_mask;       /* bit n: events at ELn count                                   */
    uint64_t remaining;     /* stop before the block in which these events would be reached */
} emu_watch;

typedef struct emu_native_state emu_native_state;
/* A block seen for the first time: fill *out; nonzero: stop before running it. */
typedef int (*new_block_fn)(uint64_t address, uint32_t size, emu_block *out);
/* The block is about to meet a misaligned SP: nonzero: stop before running it. */
typedef int (*sp_check_fn)(uint64_t address, uint32_t size, emu_block *b);

struct emu_native_state {
    uint64_t insns;         /* instructions retired                                        */
    uint64_t block_start;   /* the last block charged                                      */
    uint64_t block_insns;
    uint64_t take_mask;     /* bit (EL*4 + I*2 + F): an interrupt is taken there           */
    uint64_t stop_reason;
    uint64_t poll;          /* nonzero: stop before the next block                         */
    uint64_t pstate_regid;  /* UC_ARM64_REG_PSTATE                                         */
    uint64_t el;            /* the current EL: set by Python whenever it moves the core,
                               re-read from PSTATE while it is EL_UNKNOWN (after an ERET)  */
    uc_reg_read_fn reg_read;
    uc_emu_stop_fn emu_stop;
    new_block_fn new_block;
    uc_reg_write_fn reg_write;
    uint64_t pc_regid;
    void *uc;               /* the engine, for the branch-outcome reads of charge_tail       */
    uint64_t x_regids[31];  /* Unicorn's ids of X0-X30                                       */
    uint64_t fired;         /* watches that stopped the run (bit per watch)                */
    uint64_t pass_address;  /* let the block at this address run once past its watches    */
    uint64_t stop_after_pass; /* and then stop before the next block                      */
    emu_block *prev;        /* last block charged, for its tail; NULL after a redirect     */
    uint64_t prev_el;
    emu_block *stop_block;  /* the block a watch stopped before                            */
    emu_block *last;        /* the last block looked up: a loop skips the table            */
    uint64_t counting;      /* nonzero: keep per-EL event totals (cycle-approximate mode)  */
    uint64_t nactive;       /* watch[active[0..nactive)] are armed                         */
    uint64_t active[NWATCH];
    uint64_t mispredict_penalty;
    uint64_t totals[3][NSLOTS];
    emu_watch watch[NWATCH];
    uint8_t direction[PRED_ENTRIES];     /* 2-bit saturating counters, 0..3 (>= 2: taken) */
    uint64_t target[TARGET_ENTRIES][2];  /* (branch pc, last target)                      */
    emu_fast_counter fast[NFAST];
    emu_block **table;      /* open addressing on (address, size)                          */
    uint64_t cap;
    uint64_t count;
    uint64_t step_stop;     /* an exact step stops before this address: hooks there stand down */
    uint64_t sp_regid;      /* UC_ARM64_REG_SP                                              */
    sp_check_fn sp_check;   /* Python decides when a block's sp_mask matches the SP          */
};

static uint64_t hash_of(uint64_t address, uint64_t size, uint64_t cap)
{
    return ((address ^ (size << 40)) * 0x9E3779B97F4A7C15ull >> 17) & (cap - 1);
}

static int table_grow(emu_native_state *s)
{
    uint64_t cap = s->cap ? s->cap * 2 : 4096;
    emu_block **table = calloc(cap, sizeof *table);
    if (!table)
        return -1;
    for (uint64_t i = 0; i < s->cap; i++) {
        emu_block *b = s->table[i];
        if (b) {
            uint64_t j = hash_of(b->address, b->size, cap);
            while (table[j])
                j = (j + 1) & (cap - 1);
            table[j] = b;
        }
    }
    free(s->table);
    s->table = table;
    s->cap = cap;
    return 0;
}

static emu_block *table_find(emu_native_state *s, uint64_t address, uint64_t size)
{
    if (!s->cap)
        return NULL;
    for (uint64_t j = hash_of(address, size, s->cap);; j = (j + 1) & (s->cap - 1)) {
        emu_block *b = s->table[j];
        if (!b || (b->address == address && b->size == size))
            return b;
    }
}

static int table_insert(emu_native_state *s, emu_block *b)
{
    if ((s->count + 1) * 10 > s->cap * 7 && table_grow(s) != 0)
        return -1;
    uint64_t j = hash_of(b->address, b->size, s->cap);
    while (s->table[j])
        j = (j + 1) & (s->cap - 1);
    s->table[j] = b;
    s->count++;
    return 0;
}

void emu_native_forget_blocks(emu_native_state *s)
{
    for (uint64_t i = 0; i < s->cap; i++)
        free(s->table[i]);
    free(s->table);
    s->table = NULL;
    s->cap = s->count = 0;
    s->prev = s->stop_block = s->last = NULL;
}

static void stop(void *uc, emu_native_state *s, uint64_t reason)
{
    s->stop_reason = reason;
    s->emu_stop(uc);
}

/* One event kind from outside a block (a branch outcome): totals and watches. */
static void charge(emu_native_state *s, uint64_t el, uint64_t slot, uint64_t n)
{
    if (s->counting) /* functional mode: the totals (the PMU) stand still; watches go on */
        s->totals[el][slot] += n;
    for (uint64_t i = 0; i < s->nactive; i++) {
        uint64_t w = s->active[i];
        emu_watch *x = &s->watch[w];
        if (x->slot == slot && (x->el_mask >> el & 1)) {
            if (n >= x->remaining) {
                x->remaining = 0;
                s->fired |= 1ull << w;
            } else {
                x->remaining -= n;
            }
        }
    }
}

/* For Python: events that happen outside blocks (exception entry), and events of a block's
   instructions that did not retire after all (an exception in the middle of it). */
void emu_charge(emu_native_state *s, uint64_t el, uint64_t slot, uint64_t n)
{
    charge(s, el, slot, n);
}

void emu_uncharge(emu_native_state *s, uint64_t el, uint64_t slot, uint64_t n)
{
    if (s->counting) /* as charge: nothing was added to the totals in functional mode */
        s->totals[el][slot] -= n;
    for (uint64_t i = 0; i < s->nactive; i++) {
        emu_watch *x = &s->watch[s->active[i]];
        if (x->slot == slot && (x->el_mask >> el & 1))
            x->remaining += n;
    }
}

/* For Python: the last block charged stopped after `ran` of its instructions (an exception
   in the middle, or Python moving the PC past a hooked instruction). `prefix` holds the
   block's per-instruction prefix sums, (n + 1) rows of NSLOTS: take back rows n - ran. */
void emu_unretire(emu_native_state *s, uint64_t ran, const uint32_t *prefix)
{
    uint64_t n = s->block_insns;
    if (ran >= n)
        return;
    const uint32_t *all = prefix + n * NSLOTS, *done = prefix + ran * NSLOTS;
    for (int slot = 0; slot < NSLOTS; slot++)
        if (all[slot] != done[slot])
            emu_uncharge(s, s->prev_el, slot, all[slot] - done[slot]);
    s->insns -= n - ran;
    s->block_insns = ran;
}

/* For Python: the last block charged has now retired its first `k` instructions (after an
   unretire, an instruction Python completed itself). */
void emu_retire_to(emu_native_state *s, uint64_t k, const uint32_t *prefix)
{
    uint64_t n = s->block_insns;
    if (k <= n)
        return;
    const uint32_t *to = prefix + k * NSLOTS, *from = prefix + n * NSLOTS;
    for (int slot = 0; slot < NSLOTS; slot++)
        if (to[slot] != from[slot])
            charge(s, s->prev_el, slot, to[slot] - from[slot]);
    s->insns += k - n;
    s->block_insns = k;
}

/* An MRS of a PMU counter, hooked at `address`: what Python hands the code hook. */
typedef void (*fallback_fn)(uint64_t address);
typedef struct {
    emu_native_state *s;
    uint64_t counter;       /* index into s->fast                                             */
    uint64_t rt_regid;      /* Unicorn's id of the destination register (XZR: none)           */
    uint64_t rt_is_zr;
    fallback_fn fallback;   /* Python performs the access (a trap, or a counter it must sync) */
} emu_mrs_site;

/* UC_HOOK_CODE on a hooked MRS: read the counter from the totals, write Rt, retire the MRS
   and step over it (writing the PC abandons QEMU's own MRS). Anything unusual goes to Python. */
void emu_mrs_counter_hook(void *uc, uint64_t address, uint32_t size, void *user)
{
    emu_mrs_site *site = (emu_mrs_site *)user;
    emu_native_state *s = site->s;
    emu_fast_counter *c = &s->fast[site->counter];
    emu_block *b = s->last;
    uint64_t el = s->el;
    (void)size;
    if (address == s->step_stop)
        return; /* the step's own hook stops the run before this MRS: it has not run */
    if (el > 2) {
        uint64_t pstate = 0;
        s->reg_read(uc, (int)s->pstate_regid, &pstate);
        el = s->el = (pstate >> 2) & 3;
    }
    if (!(c->ok_els >> el & 1) || !b || !b->prefix || address < b->address
        || address >= b->address + b->size || b->address != s->block_start) {
        site->fallback(address);
        return;
    }
    uint64_t ran = (address - b->address) >> 2, n = s->block_insns;
    const uint32_t *now = b->prefix + ran * NSLOTS, *charged = b->prefix + n * NSLOTS;
    uint64_t delta = 0;
    for (uint64_t e = 0; e < 3; e++)
        if (c->el_mask >> e & 1)
            delta += s->totals[e][c->slot] - c->base[e];
    if (s->counting && (c->el_mask >> el & 1))
        delta -= charged[c->slot] - now[c->slot]; /* this MRS and what follows have not retired */
    uint64_t value = (c->value + ((delta + c->prescale) >> c->shift)) & c->mask;
    if (!site->rt_is_zr)
        s->reg_write(uc, (int)site->rt_regid, &value);
    emu_unretire(s, ran + 1, b->prefix);
    s->prev = NULL;
    uint64_t next = address + 4;
    s->reg_write(uc, (int)s->pc_regid, &next);
}

/* ConditionHolds (Arm ARM J1 shared/functions) on PSTATE.NZCV. */
static int condition_holds(uint64_t cond, uint64_t pstate)
{
    int n = pstate >> 31 & 1, z = pstate >> 30 & 1, c = pstate >> 29 & 1, v = pstate >> 28 & 1;
    int result;
    switch (cond >> 1) {
    case 0: result = z; break;
    case 1: result = c; break;
    case 2: result = n; break;
    case 3: result = v; break;
    case 4: result = c && !z; break;
    case 5: result = n == v; break;
    case 6: result = n == v && !z; break;
    default: return 1; /* AL, NV */
    }
    return (cond & 1) ? !result : result;
}

/* Whether the conditional branch `word` was taken, from the state it left behind (a branch
   writes no register, and the next block has not run yet). */
static int branch_taken(emu_native_state *s, uint32_t word)
{
    uint64_t value = 0;
    if ((word & 0xFF000010u) == 0x54000000u) { /* B.cond */
        s->reg_read(s->uc, (int)s->pstate_regid, &value);
        return condition_holds(word & 0xF, value);
    }
    uint32_t rt = word & 31;
    if (rt != 31)
        s->reg_read(s->uc, (int)s->x_regids[rt], &value);
    if ((word & 0x7E000000u) == 0x34000000u) { /* CBZ, CBNZ */
        if (!(word >> 31))
            value &= 0xFFFFFFFFu;
        return (value == 0) != ((word >> 24) & 1);
    }
    /* TBZ, TBNZ */
    uint32_t bit = (word >> 31) << 5 | ((word >> 19) & 31);
    return ((value >> bit & 1) == 0) != ((word >> 24) & 1);
}

/* The previous block ended with a branch whose outcome we now know: it went to `address`. */
static void charge_tail(emu_native_state *s, const emu_block *p, uint64_t address)
{
    uint64_t el = s->prev_el;
    if (p->tail == TAIL_COND) {
        uint64_t next = p->address + p->size;
        int taken = p->cond_target != next ? address != next : branch_taken(s, p->branch_word);
        uint8_t *c = &s->direction[(p->branch_pc >> 2) & (PRED_ENTRIES - 1)];
        int predicted = *c >= 2;
        if (taken) {
            charge(s, el, SLOT_PC_WRITE, 1);
            charge(s, el, SLOT_CYCLES, p->taken_cycles);
            charge(s, el, SLOT_STALL_FRONTEND, p->taken_cycles);
            if (*c < 3)
                (*c)++;
        } else if (*c > 0) {
            (*c)--;
        }
        if (predicted != taken) {
            charge(s, el, SLOT_BR_MIS_PRED, 1);
            charge(s, el, SLOT_CYCLES, s->mispredict_penalty);
            charge(s, el, SLOT_STALL_FRONTEND, s->mispredict_penalty);
        }
    } else if (p->tail == TAIL_INDIRECT) {
        uint64_t *t = s->target[(p->branch_pc >> 2) & (TARGET_ENTRIES - 1)];
        if (t[0] != p->branch_pc || t[1] != address) {
            charge(s, el, SLOT_BR_MIS_PRED, 1);
            charge(s, el, SLOT_CYCLES, s->mispredict_penalty);
            charge(s, el, SLOT_STALL_FRONTEND, s->mispredict_penalty);
            t[0] = p->branch_pc;
            t[1] = address;
        }
    }
}

/* For Python, before it moves the PC at a block boundary (an interrupt taken between blocks):
   the previous block's branch went to `address`. */
void emu_settle(emu_native_state *s, uint64_t address)
{
    emu_block *p = s->prev;
    s->prev = NULL;
    if (p && s->counting)
        charge_tail(s, p, address);
}

void emu_block_hook(void *uc, uint64_t address, uint32_t size, void *user)
{
    emu_native_state *s = (emu_native_state *)user;
    uint64_t pstate = 0, el;

    if (address & 3) {
        stop(uc, s, STOP_PC_ALIGN);
        return;
    }
    if (s->poll) {
        s->poll = 0;
        stop(uc, s, STOP_POLL);
        return;
    }
    if (s->take_mask || s->el > 2) {
        s->reg_read(uc, (int)s->pstate_regid, &pstate);
        s->el = (pstate >> 2) & 3;
        if (s->take_mask >> (s->el << 2 | ((pstate >> 6) & 3)) & 1) {
            stop(uc, s, STOP_IRQ);
            return;
        }
    }
    el = s->el;
    if (s->prev && s->counting) {
        emu_block *p = s->prev;
        s->prev = NULL;
        charge_tail(s, p, address);
        if (s->fired) {
            s->stop_block = NULL;
            stop(uc, s, STOP_WATCH);
            return;
        }
    }
    emu_block *b = s->last;
    if (!b || b->address != address || b->size != size)
        b = table_find(s, address, size);
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b || table_insert(s, b) != 0) {
            free(b);
            stop(uc, s, STOP_POLL);
            return;
        }
        b->address = address;
        b->size = size;
        b->ev[0] = size >> 2; /* INST_RETIRED, in case Python fills nothing */
        b->nz = 1;
        if (s->new_block && s->new_block(address, size, b)) {
            stop(uc, s, STOP_POLL);
            return;
        }
    }
    if (b->sp_mask && s->sp_check) {
        uint64_t sp = 0;
        s->reg_read(uc, (int)s->sp_regid, &sp);
        if ((b->sp_mask >> (sp & 15) & 1) && s->sp_check(address, size, b)) {
            stop(uc, s, STOP_POLL);
            return;
        }
    }
    s->last = b;
    if (address != s->pass_address) {
        uint64_t fired = 0;
        for (uint64_t i = 0; i < s->nactive; i++) {
            uint64_t w = s->active[i];
            emu_watch *x = &s->watch[w];
            if ((x->el_mask >> el & 1) && b->ev[x->slot] >= x->remaining)
                fired |= 1ull << w;
        }
        if (fired) {
            s->fired |= fired;
            s->stop_block = b;
            stop(uc, s, STOP_WATCH);
            return;
        }
    }
    if (address == s->pass_address) {
        s->pass_address = NO_ADDRESS;
        s->poll = s->stop_after_pass;
        s->stop_after_pass = 0;
    }
    if (s->counting) {
        uint64_t *t = s->totals[el];
        for (uint32_t i = 0; i < b->nz; i++)
            t[b->slots[i]] += b->ev[b->slots[i]];
    }
    for (uint64_t i = 0; i < s->nactive; i++) {
        emu_watch *x = &s->watch[s->active[i]];
        if (x->el_mask >> el & 1) {
            uint64_t n = b->ev[x->slot];
            x->remaining = n >= x->remaining ? 0 : x->remaining - n;
        }
    }
    s->fired = 0; /* a watch reached by a block let through (pass_address) is Python's to handle */
    s->insns += size >> 2;
    s->block_start = address;
    s->block_insns = size >> 2;
    s->prev = b->tail ? b : NULL;
    s->prev_el = el;
    if (b->ends_in_eret)
        s->el = EL_UNKNOWN;
}

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "_native",
    "Native Unicorn hooks, loaded through ctypes (see emu/timing/native.py).", -1, NULL,
};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&native_module); }
