"""A pytest plugin, loaded with `-p beffroi.pytest_env` before pytest-django reads the settings:
every test run gets a throw-away data directory (database files, lake, simulator state, keys) and
runs its tasks inline, whatever the developer's environment says."""

import os
import tempfile

os.environ["BEFFROI_DATA_DIR"] = tempfile.mkdtemp(prefix="beffroi-test-")
os.environ.setdefault("HUEY_IMMEDIATE", "true")
