"""Heuristics that need no indicator, one file each."""
