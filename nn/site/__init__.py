"""The course site: ``gradlab-site OUT_DIR`` (or ``python -m nn.site OUT_DIR``) writes a
folder of static files a teacher publishes: a front page, the page that runs gradlab in
the browser, the notebooks as a JupyterLite site, and the demo's pages.

- ``build``: ``build_site`` and the command.
- ``lab``: the JupyterLite site whose Pyodide kernel starts with no network.
- ``landing``: the front page, and what each notebook needs beyond the engine.
"""

from .build import build_site, main
from .lab import build_lab

__all__ = ["build_lab", "build_site", "main"]
