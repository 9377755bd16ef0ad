"""``python -m odyssey``: the same command line as the ``odyssey`` console script."""

from odyssey.cli import main

raise SystemExit(main())
