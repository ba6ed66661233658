"""``python -m camtwin``: the same as the ``camtwin`` command."""

import sys

from .cli import main

sys.exit(main())
