import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from beffroi.cli import app


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "BEFFROI_ENV": "production",
        "BEFFROI_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "beffroi.web.settings",
    }
    env.pop("SECRET_KEY", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    # The secret key was generated once, readable only by its owner.
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("beffroi ")


@pytest.mark.django_db
def test_demo_data_loads_twice_without_duplicates():
    from beffroi.core.demo import demo_load
    from beffroi.core.models import Membership, NetworkAccount, Organisation

    first = demo_load()
    counts = (
        Organisation.objects.count(),
        Membership.objects.count(),
        NetworkAccount.objects.count(),
    )
    assert demo_load() == first
    assert (
        Organisation.objects.count(),
        Membership.objects.count(),
        NetworkAccount.objects.count(),
    ) == counts
    commune = Organisation.objects.get(name="Saint-Aubin-sur-Brume")
    networks = set(commune.network_accounts.values_list("network", flat=True))
    assert networks == {"facebook", "instagram", "x", "youtube", "linkedin", "mastodon", "bluesky"}
    assert all(commune.network_accounts.values_list("simulated", flat=True))
