"""`python tests/change_check`: run the check as a script from anywhere."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
for path in (TESTS, TESTS.parent):  # the check's package, then newsmon itself
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from change_check.run import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
