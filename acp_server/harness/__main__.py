"""``python -m acp_server.harness``: same as ``acp-harness``."""

import sys

from .cli import main

sys.exit(main())
