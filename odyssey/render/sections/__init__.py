"""The report's sections, one module each, in the order of the PDF.

Each builder turns analysis results into the strings, tables (CSV beside the report) and figures
that the template (``report/odyssey.typ``) lays out; the sentences come from ``report/prose.yaml``.
"""
