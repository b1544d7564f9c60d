"""Pure facts of the AArch64 architecture: encodings, syndromes, PSTATE fields. No state, no Unicorn."""
