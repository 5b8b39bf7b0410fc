"""``python -m speechbrain_interp``: the ``sb-interp`` command line (:mod:`speechbrain_interp.programs.cli`)."""

import sys

from speechbrain_interp.programs.cli import main

if __name__ == "__main__":
    sys.exit(main())
