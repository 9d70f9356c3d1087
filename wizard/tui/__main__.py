"""``python -m wizard.tui``: the wizard without the rest of the command line."""

import sys

from wizard.tui.app import main

sys.exit(main())
