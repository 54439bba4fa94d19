#!/usr/bin/env bash
# Install budget-qa, index corpus/ on first run, and open the web chat on http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")/.."
export ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1
PY=${PYTHON:-python3}
$PY -c "import budget_qa, gradio" 2>/dev/null || $PY -m pip install -q -e .
exec $PY app.py "$@"
