"""The report half, statistics: from a trials table to the numbers of the report.

``analyse`` (one task's table to CSV tables and ``analysis.json``), ``stats`` (per-variant
summaries, Welch tests against V), ``importance`` and ``fanova`` (the paper's fANOVA),
``caveats`` (what the data can support), ``against_paper`` and ``paper_numbers`` (the published
numbers and a verdict per finding).
"""
