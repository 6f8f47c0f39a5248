"""A small validator of data against the published Bluesky lexicons (../shared/data/api-specs/bluesky-lexicons).

It checks what a fixture or a request must respect to be accepted by a real PDS or AppView:
required fields, types, string formats, lengths in bytes and graphemes, closed enums, union
members by `$type`, and fields that the lexicon does not define (a renamed or invented field).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from typing import Any

import regex

from tests.networks.specs import API_SPECS

LEXICONS = API_SPECS / "bluesky-lexicons"

_FORMATS = {
    "did": re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]+$"),
    "handle": re.compile(
        r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
    ),
    "at-uri": re.compile(r"^at://[^/\s]+(/[a-zA-Z0-9.-]+(/[A-Za-z0-9._:~-]+)?)?$"),
    "nsid": re.compile(r"^[a-zA-Z]([a-zA-Z0-9-]*)(\.[a-zA-Z0-9-]+)+$"),
    "cid": re.compile(r"^[a-zA-Z0-9+=]{8,}$"),
    "uri": re.compile(r"^[a-z][a-z0-9+.-]*:\S+$"),
    "language": re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]+)*$"),
    "record-key": re.compile(r"^[A-Za-z0-9._:~-]{1,512}$"),
    "tid": re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$"),
}


@cache
def lexicon(nsid: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        (LEXICONS / f"{nsid.replace('.', '/')}.json").read_text("utf-8")
    )
    return doc


def definition(nsid: str, name: str = "main") -> dict[str, Any]:
    found: dict[str, Any] = lexicon(nsid)["defs"][name]
    return found


class Validator:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def check(self, schema: dict[str, Any], value: Any, where: str, doc: str) -> None:
        kind = schema.get("type")
        if kind == "ref":
            ref_doc, ref_name = _split_ref(schema["ref"], doc)
            self.check(definition(ref_doc, ref_name), value, where, ref_doc)
        elif kind == "union":
            self._union(schema, value, where, doc)
        elif kind in ("object", "params"):
            self._object(schema, value, where, doc)
        elif kind == "record":
            self._object(schema["record"], value, where, doc)
        elif kind == "array":
            if not isinstance(value, list):
                return self._fail(where, "tableau attendu")
            if "maxLength" in schema and len(value) > schema["maxLength"]:
                self._fail(where, f"plus de {schema['maxLength']} éléments")
            for index, item in enumerate(value):
                self.check(schema["items"], item, f"{where}[{index}]", doc)
        elif kind == "string":
            self._string(schema, value, where)
        elif kind == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                return self._fail(where, "entier attendu")
            if "minimum" in schema and value < schema["minimum"]:
                self._fail(where, f"inférieur à {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                self._fail(where, f"supérieur à {schema['maximum']}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                self._fail(where, "booléen attendu")
        elif kind == "blob":
            if not (
                isinstance(value, dict)
                and value.get("$type") == "blob"
                and "ref" in value
                and "mimeType" in value
            ):
                self._fail(where, "blob attendu ($type blob, ref, mimeType, size)")
        elif kind == "cid-link":
            if not (isinstance(value, dict) and isinstance(value.get("$link"), str)):
                self._fail(where, "cid-link attendu")
        elif kind == "unknown":
            if not isinstance(value, dict):
                self._fail(where, "objet attendu")
        elif kind in ("token", "bytes"):
            pass
        else:
            self._fail(where, f"type de lexique non géré : {kind}")
        return None

    def _object(self, schema: dict[str, Any], value: Any, where: str, doc: str) -> None:
        if not isinstance(value, dict):
            return self._fail(where, "objet attendu")
        properties = schema.get("properties", {})
        nullable = set(schema.get("nullable", []))
        for name in schema.get("required", []):
            if name not in value:
                self._fail(where, f"champ obligatoire absent : {name}")
        for name, item in value.items():
            if name == "$type":
                continue
            if name not in properties:
                self._fail(where, f"champ inconnu du lexique : {name}")
            elif item is None:
                if name not in nullable:
                    self._fail(f"{where}.{name}", "null non permis")
            else:
                self.check(properties[name], item, f"{where}.{name}", doc)
        return None

    def _union(self, schema: dict[str, Any], value: Any, where: str, doc: str) -> None:
        if not isinstance(value, dict) or "$type" not in value:
            return self._fail(where, "membre d'union sans $type")
        for ref in schema["refs"]:
            ref_doc, ref_name = _split_ref(ref, doc)
            full = ref_doc if ref_name == "main" else f"{ref_doc}#{ref_name}"
            if value["$type"] in (full, f"{ref_doc}#main" if ref_name == "main" else full):
                self.check(definition(ref_doc, ref_name), value, where, ref_doc)
                return None
        if schema.get("closed"):
            self._fail(where, f"$type {value['$type']} absent de l'union fermée")
        return None

    def _string(self, schema: dict[str, Any], value: Any, where: str) -> None:
        if not isinstance(value, str):
            return self._fail(where, "chaîne attendue")
        fmt = schema.get("format")
        if fmt == "datetime":
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                self._fail(where, f"date invalide : {value}")
            else:
                if parsed.tzinfo is None:
                    self._fail(where, "date sans fuseau")
        elif fmt == "at-identifier":
            if not (_FORMATS["did"].match(value) or _FORMATS["handle"].match(value)):
                self._fail(where, f"identifiant invalide : {value}")
        elif fmt in _FORMATS and not _FORMATS[fmt].match(value):
            self._fail(where, f"format {fmt} invalide : {value}")
        if "maxLength" in schema and len(value.encode("utf-8")) > schema["maxLength"]:
            self._fail(where, f"plus de {schema['maxLength']} octets")
        if "maxGraphemes" in schema and len(regex.findall(r"\X", value)) > schema["maxGraphemes"]:
            self._fail(where, f"plus de {schema['maxGraphemes']} graphèmes")
        if "enum" in schema and value not in schema["enum"]:
            self._fail(where, f"valeur hors enum : {value}")
        if "const" in schema and value != schema["const"]:
            self._fail(where, f"valeur attendue : {schema['const']}")
        return None

    def _fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")


def _split_ref(ref: str, doc: str) -> tuple[str, str]:
    if ref.startswith("#"):
        return doc, ref[1:]
    if "#" in ref:
        nsid, name = ref.split("#", 1)
        return nsid, name
    return ref, "main"


def errors_in_output(nsid: str, data: Any) -> list[str]:
    validator = Validator()
    validator.check(definition(nsid)["output"]["schema"], data, "$", nsid)
    return validator.errors


def errors_in_input(nsid: str, data: Any) -> list[str]:
    validator = Validator()
    validator.check(definition(nsid)["input"]["schema"], data, "$", nsid)
    return validator.errors


def errors_in_record(nsid: str, data: Any) -> list[str]:
    validator = Validator()
    validator.check(definition(nsid)["record"], data, "$", nsid)
    return validator.errors


def errors_in_params(nsid: str, params: dict[str, Any]) -> list[str]:
    schema = definition(nsid).get("parameters", {"properties": {}})
    known = set(schema.get("properties", {}))
    errors = [f"paramètre inconnu : {name}" for name in params if name not in known]
    errors += [
        f"paramètre obligatoire absent : {name}"
        for name in schema.get("required", [])
        if name not in params
    ]
    return errors
