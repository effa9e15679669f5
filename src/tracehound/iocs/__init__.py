"""iocs."""
