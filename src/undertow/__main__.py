"""`python -m undertow` is the same as the `undertow` command."""

from undertow.cli.app import main

main()
