#!/usr/bin/env bash
# Refresh the translation catalogs from the source: extract every marked string, merge them into
# scheduler/translations/<lang>/LC_MESSAGES/messages.po, and compile messages.mo. New strings
# arrive untranslated (no fuzzy guesses); tests/test_i18n.py fails until each has its English.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x .venv/bin/pybabel ]; then PYBABEL=.venv/bin/pybabel; else PYBABEL=pybabel; fi
# keep these keywords in step with KEYWORDS in tests/test_i18n.py
KEYWORDS=(-k _l -k lazy_gettext -k lazy_ngettext:1,2 -k stored_text)

pot="$(mktemp --suffix=.pot)"
trap 'rm -f "$pot"' EXIT
"$PYBABEL" -q extract -F babel.cfg "${KEYWORDS[@]}" --no-location --sort-output \
    --project="Lịch họp trực tuyến" --version=0.1 -o "$pot" .

for lang in en; do
    "$PYBABEL" -q update -i "$pot" -d scheduler/translations -l "$lang" --init-missing \
        --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
done
"$PYBABEL" compile -d scheduler/translations --statistics
