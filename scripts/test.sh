#!/usr/bin/env bash
# Install everything the test suite needs (idempotent), then run lint and the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
export ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
PY=${PYTHON:-python3}

# CPU torch first: a plain sentence-transformers install would pull a multi-GB CUDA build.
if ! $PY -c "import torch, sys; sys.exit(0 if torch.__version__.startswith('2.13.0') else 1)" 2>/dev/null; then
  $PY -m pip install -q torch==2.13.0
fi
$PY -m pip install -q -e '.[dense,llm,eval,test]'

# Debian's Chromium for the end-to-end browser test.
if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then
  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei) >/dev/null
fi

$PY -m ruff check src tests benchmarks app.py
$PY -m pytest -q -p no:cacheprovider "$@"
