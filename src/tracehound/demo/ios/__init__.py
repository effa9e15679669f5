"""Builders of iOS artifacts in Apple's formats, shared by the demo and the tests."""
