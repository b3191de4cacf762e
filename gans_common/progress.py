"""Progress bars that fit where they run: a widget in Jupyter, one updating line in a terminal, none in a log.

``tqdm.auto`` picks the widget bar inside a Jupyter kernel (ipywidgets is a dependency) and the text bar elsewhere;
the text bar is shown only when stderr is a terminal, so CI logs and redirected runs get no carriage-return noise
(the loop's own lines, such as the quality curve's, are printed either way).
"""
from __future__ import annotations

import sys

from tqdm import tqdm as text_tqdm
from tqdm.auto import tqdm


def in_notebook() -> bool:
    """True inside a Jupyter kernel with widgets, where ``tqdm.auto`` is the widget bar."""
    return tqdm is not text_tqdm


def progress_bar(enabled: bool = True, **kwargs) -> tqdm:
    """A tqdm bar, disabled unless ``enabled`` and there is somewhere to draw it (a notebook or a terminal)."""
    drawable = in_notebook() or (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return tqdm(disable=not (enabled and drawable), **kwargs)
