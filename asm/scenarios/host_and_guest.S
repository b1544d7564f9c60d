// host-and-guest (Scenario 2): host and guest perf both run; the host counter overflows after the guest exits and before the host's sync (the kvm_pmu_sync_hwstate window).
// Run with a strategy: `emu scenarios` (every strategy), `emu race host-and-guest --strategy NAME`.
    .include "world.S"
    .balign 8
host_perf:      .quad 1
host_preset:    .quad 0xfffffd08        // tuned: the first overflow lands in restore_host, before sync
host_period:    .quad 0x80000000        // and no second one during the run
guest_perf:     .quad 1
guest_preset:   .quad 0xfffffc18        // the guest's counter overflows after 1000 of its cycles
guest_period:   .quad 0xfffffc18
guest_runs:     .quad 2
guest_work:     .quad 400
host_between:   .quad 50
host_work:      .quad 100
