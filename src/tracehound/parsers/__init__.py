"""Parsers: one self-registering file per artifact."""
