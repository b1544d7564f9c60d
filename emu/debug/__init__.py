"""Observers and controllers of a running machine: the stepper, the tracer, the gdb stub."""
