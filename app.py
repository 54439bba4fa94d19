"""Start the budget-qa web chat: `python app.py` (settings from BUDGET_QA_* environment variables).

On a fresh clone the index is built from corpus/ first; the URL is printed once the page answers.
The staff inquiry desk at /desk starts only when BUDGET_QA_STAFF_PASSWORD is set.
"""

from __future__ import annotations

import os
from pathlib import Path

from budget_qa import settings as settings_mod
from budget_qa.web import launch

HERE = Path(__file__).resolve().parent


def main() -> None:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    s = settings_mod.from_env()
    # relative paths mean "next to this file", so `python /path/to/app.py` works from any folder
    for key in ("index_dir", "corpus", "data_dir"):
        p = Path(str(s[key]))
        if not p.is_absolute() and not os.environ.get(settings_mod.BY_NAME[key].env):
            s[key] = str(HERE / p)
    launch(s)


if __name__ == "__main__":
    main()
