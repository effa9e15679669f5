"""parsers/common."""
