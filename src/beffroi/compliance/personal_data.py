"""Where personal data of citizens lives in the database, declared by the app that owns it.

Compliance purges and erases through these declarations, so it never imports another app's models.
An app declares its tables in `beffroi/<app>/personal_data.py` as `SPECS = [PersonalDataSpec(...)]`;
`personal_data_specs()` collects them from every installed Beffroi app.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from django.apps import apps
from django.db import models

from beffroi.compliance.rgpd import DataKind


@dataclass(frozen=True, slots=True)
class PersonalDataSpec:
    model: str | type[models.Model]  # "app_label.ModelName", or the model class itself
    kind: DataKind
    organisation_field: str = "organisation"
    created_field: str = "created_at"
    network_field: str | None = "network"
    handle_field: str | None = None
    remote_id_field: str | None = None
    # Mastodon handles stored without instance are completed with this field's value, if any.
    instance_field: str | None = None

    def model_class(self) -> type[models.Model]:
        return self.model if isinstance(self.model, type) else apps.get_model(self.model)

    @property
    def label(self) -> str:
        return self.model._meta.label if isinstance(self.model, type) else self.model

    @property
    def identifies_people(self) -> bool:
        return bool(self.handle_field or self.remote_id_field)


_REGISTERED: list[PersonalDataSpec] = []


def personal_data_register(*specs: PersonalDataSpec) -> None:
    for spec in specs:
        if spec not in _REGISTERED:
            _REGISTERED.append(spec)


def personal_data_unregister(*specs: PersonalDataSpec) -> None:
    for spec in specs:
        if spec in _REGISTERED:
            _REGISTERED.remove(spec)


def personal_data_specs() -> list[PersonalDataSpec]:
    """Every declared source: `SPECS` of each installed app's personal_data module, then registered ones."""
    found: list[PersonalDataSpec] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("beffroi."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.personal_data")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.personal_data":
                raise
            continue
        found.extend(getattr(module, "SPECS", []))
    found.extend(s for s in _REGISTERED if s not in found)
    return found


# Compliance's own tables with personal data of citizens: the people who made a request are
# identified in the request itself and its record is kept as proof (see ErasureRequest).
SPECS: list[PersonalDataSpec] = []
