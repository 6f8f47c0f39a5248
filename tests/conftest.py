"""Core factories. The throw-away data directory and inline tasks come from beffroi.pytest_env."""

import pytest


@pytest.fixture
def make_org(db):
    from beffroi.core import services

    def make(name="Saint-Aubin-sur-Brume", kind="commune", parent=None, **extra):
        return services.organisation_create(
            name=name, kind=kind, parent_slug=parent.slug if parent else None, actor=None, **extra
        )

    return make


@pytest.fixture
def make_member(db):
    from beffroi.core import services
    from beffroi.core.models import User

    counter = {"n": 0}

    def make(organisation, role="admin", email=None):
        counter["n"] += 1
        email = email or f"{role}{counter['n']}@{organisation.slug}.example"
        user = User.objects.filter(email=email).first() or services.user_create(
            email=email, password="un-mot-de-passe-solide"
        )
        services.membership_add(organisation=organisation, user=user, role=role, actor=None)
        return user

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
