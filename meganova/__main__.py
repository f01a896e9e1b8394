# PYTHON_ARGCOMPLETE_OK
"""``python -m meganova``: the same as the ``meganova`` command."""

import sys

from .cli import main

sys.exit(main())
