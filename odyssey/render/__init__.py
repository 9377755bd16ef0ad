"""The report half, the PDF: ``report`` (assemble ``report.json`` and compile the typst template),
``sections`` (one module per part of the report), ``figures``, ``formatting`` (numbers, ranges,
tables) and ``prose`` (the sentences, from ``report/prose.yaml``)."""
