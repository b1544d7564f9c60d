// guest-only: guest perf runs, the host's does not. Every guest overflow must reach the guest's handler, and no other PMU interrupt.
// Run with a strategy: `emu scenarios` (every strategy), `emu race guest-only --strategy NAME`.
    .include "world.S"
    .balign 8
host_perf:      .quad 0
host_preset:    .quad 0
host_period:    .quad 0
guest_perf:     .quad 1
guest_preset:   .quad 0xfffff830        // every 2000 guest cycles
guest_period:   .quad 0xfffff830
guest_runs:     .quad 4
guest_work:     .quad 1500
host_between:   .quad 50
host_work:      .quad 200
