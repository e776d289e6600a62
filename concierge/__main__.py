import sys

from concierge.cli import main

sys.exit(main())
