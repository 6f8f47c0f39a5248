#!/usr/bin/env bash
# System packages the analytics module needs: WeasyPrint (Pango, HarfBuzz subsetting, a font) for the
# monthly PDF report, poppler-utils (pdftoppm) to check the PDF as an image in tests.
# Java 17 (PySpark engine tests) is already on the machine.
set -euo pipefail
missing=()
for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
command -v java >/dev/null || { echo "setup-analytics: java not found (PySpark tests need Java 17)" >&2; exit 1; }
