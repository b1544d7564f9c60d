// host-only (the thread's Scenario 1): host perf runs, no guest ever runs. Every host overflow must reach the host's handler.
// Run with a strategy: `emu scenarios` (every strategy), `emu race host-only --strategy NAME`.
    .include "world.S"
    .balign 8
host_perf:      .quad 1
host_preset:    .quad 0xfffff448        // first overflow after 3000 cycles
host_period:    .quad 0xfffff448        // then every 3000 cycles
guest_perf:     .quad 0
guest_preset:   .quad 0
guest_period:   .quad 0
guest_runs:     .quad 0
guest_work:     .quad 0
host_between:   .quad 1
host_work:      .quad 8000
