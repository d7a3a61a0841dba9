"""``python -m autograd.exercises --strip notebook.ipynb -o student.ipynb`` (or ``--nbgrader``,
``--otter``: the graders' versions)."""

import sys

from .command import main

sys.exit(main())
