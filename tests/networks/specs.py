"""Where the published API specifications live: ../shared/data/api-specs beside the checkout
(on a developer's machine as in CI), or BEFFROI_SHARED_DIR when set."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).parents[2]
SHARED = Path(os.environ.get("BEFFROI_SHARED_DIR", REPO.parent / "shared"))
API_SPECS = SHARED / "data" / "api-specs"
