"""Project settings plus the publishing app, for running these tests before the app is wired in."""

from beffroi.web.settings import *  # noqa: F403
from beffroi.web.settings import INSTALLED_APPS

if "beffroi.publishing" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "beffroi.publishing"]
