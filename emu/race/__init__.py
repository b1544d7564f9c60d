"""The KVM PMU scenarios, their verdicts and the race explorer (docs/world-switch.md)."""
