"""`python -m undertow.run_kraken -c CONFIG`: Krkn's `run_kraken.py` command line."""

from undertow.cli.run_kraken import main

if __name__ == "__main__":
    main()
