"""Three printed layouts of the same abstract disclosure.

* ``urumqi`` – the national template of the corpus (:mod:`.layout_urumqi`).
* ``provincial`` – narrative first, then 表一 … 表十一 (:mod:`.layout_provincial`).
* ``central`` – 预算01表 … with the code inside the 科目 column, amounts in 元 (:mod:`.layout_central`).
"""

from __future__ import annotations

from .layout_base import Layout
from .layout_central import Central
from .layout_provincial import Provincial
from .layout_urumqi import Urumqi
from .model import Disclosure
from .printed import Document

LAYOUTS: dict[str, type[Layout]] = {"urumqi": Urumqi, "provincial": Provincial, "central": Central}


def lay_out(model: Disclosure, layout: str) -> Document:
    """Print ``model`` in ``layout``: the blocks every renderer draws."""
    try:
        cls = LAYOUTS[layout]
    except KeyError:
        raise ValueError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}") from None
    return cls(model).document()
