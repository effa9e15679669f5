"""Where results live: the results folder of one check (and, later, the case store)."""
