"""``python -m autograd.exercises --strip notebook.ipynb -o student.ipynb``."""

import sys

from .notebook import main

sys.exit(main())
