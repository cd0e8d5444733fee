#!/usr/bin/env bash
# Build the one-folder bundle: dist/annotator/ (see packaging/README.md).
#   bash packaging/build.sh [--archive] [--dist DIR] [--work DIR]
# PYTHON defaults to the repository's .venv (with the packaging extra installed).
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" packaging/build.py "$@"
