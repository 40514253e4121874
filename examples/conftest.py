"""Make key_admin importable when the example suite runs from the repository root."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
