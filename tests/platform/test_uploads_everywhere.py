"""Every upload form of the application goes through the shared check (beffroi.core.uploads)."""

import io
import zipfile

import pytest
from django import forms
from django.urls import reverse
from openpyxl import Workbook

from beffroi.core.models import NetworkAccount, Role
from beffroi.publishing.models import Draft

pytestmark = pytest.mark.django_db


def all_forms_with_a_file_field() -> list[type[forms.Form]]:
    import beffroi.publishing.forms  # noqa: F401 - every module that declares upload forms

    found, pending = [], list(forms.Form.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        if form.__module__.startswith("beffroi.") and any(
            isinstance(field, forms.FileField) for field in form.base_fields.values()
        ):
            found.append(form)
    return found


def test_every_file_field_is_cleaned_by_the_upload_check():
    forms_found = all_forms_with_a_file_field()
    assert forms_found, "the bulk import form at least"
    for form in forms_found:
        for name, field in form.base_fields.items():
            if isinstance(field, forms.FileField):
                cleaner = getattr(form, f"clean_{name}", None)
                assert cleaner is not None, f"{form.__qualname__}.{name} is not checked"
                assert "check_upload" in cleaner.__code__.co_names, form.__qualname__


def _bulk(client, org, content: bytes, name: str) -> str:
    upload = io.BytesIO(content)
    upload.name = name
    url = reverse("publishing:bulk_import", kwargs={"org": org.slug})
    return client.post(url, {"file": upload}).content.decode()


def test_the_bulk_import_refuses_a_page_disguised_as_csv(client, make_org, make_member):
    org = make_org()
    client.force_login(make_member(org, Role.COMMUNITY_MANAGER))
    page = _bulk(client, org, b"<html><script>alert(1)</script></html>", "planning.csv")
    assert "n&#x27;est pas d&#x27;un type accepté (reconnu : page HTML)" in page
    assert not Draft.objects.filter(organisation=org).exists()


def test_the_bulk_import_reads_a_workbook_by_its_content_whatever_its_name(
    client, make_org, make_member
):
    org = make_org()
    NetworkAccount.objects.create(organisation=org, network="mastodon", handle="@mairie")
    client.force_login(make_member(org, Role.COMMUNITY_MANAGER))
    book = Workbook()
    book.active.append(["date", "heure", "réseaux", "texte"])
    book.active.append(["21/06/2030", "18:30", "Mastodon", "Fête de la musique ce soir !"])
    content = io.BytesIO()
    book.save(content)
    assert zipfile.is_zipfile(io.BytesIO(content.getvalue()))

    page = _bulk(client, org, content.getvalue(), "planning.csv")

    assert "1 brouillon(s) créé(s)" in page
    assert Draft.objects.get(organisation=org).source == Draft.Source.BULK
