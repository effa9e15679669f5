"""``python -m tracehound``: the same command line as ``tracehound``."""

from tracehound.cli import main

main()
