"""Run the command as `python -m generator.cli`."""

from __future__ import annotations

import sys

from generator.cli import main

sys.exit(main())
