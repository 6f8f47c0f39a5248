#!/usr/bin/env bash
# Debian packages that Beffroi needs beside Python: Chromium for the browser tests, Pango for the
# PDF reports, poppler to look at them, gettext for translations. Installs only what is missing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "missing Debian packages: ${need[*]} (run as root: apt-get install ${need[*]})" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# axe-core for the accessibility audit of the browser tests (exact version in tests/js/package-lock.json).
if [ ! -f tests/js/node_modules/axe-core/axe.min.js ]; then
  (cd tests/js && npm ci --no-audit --no-fund --silent)
fi
