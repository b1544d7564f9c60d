"""Deadlines and the run loop's notion of "the next event"."""
