import sys

from undertow.hijacker.server import main

sys.exit(main())
