// guest-overflow-at-exit: the guest's counter overflows within a few cycles of the guest's exit (its null hypercall), with host perf running too.
// Run with a strategy: `emu scenarios` (every strategy), `emu race guest-overflow-at-exit --strategy NAME`.
    .include "world.S"
    .balign 8
host_perf:      .quad 1
host_preset:    .quad 0x80000000        // far: no host overflow during the run
host_period:    .quad 0x80000000
guest_perf:     .quad 1
guest_preset:   .quad 0xfffffb5c        // tuned: the overflow lands on the instructions before the first exit
guest_period:   .quad 0x80000000
guest_runs:     .quad 2
guest_work:     .quad 600
host_between:   .quad 50
host_work:      .quad 200
