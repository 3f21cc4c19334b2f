"""Helpers shared by the built-in scenarios (selection, recovery, waiting); no cluster I/O."""
