"""The file-format layer: everything xlmodel knows about .xlsx/.xlsm packages, in one place.

Layers point one way: ``ooxml`` imports nothing from ``engine``, ``excel``, ``validate`` or
``commands``; they import from here.  Modules and their stable API:

* :mod:`xlmodel.ooxml.addresses` — the one copy of column letters and A1 addresses
  (``col_letters``, ``col_number``, ``address``, ``parse_address``, ``parse_range``,
  ``range_text``, ``area``, ``quote_sheet``), Excel's grid (``MAX_ROW``, ``MAX_COL``), error
  literals (``FILE_ERRORS``, ``EXCEL_ERRORS``), namespaces and relationship types (``NS_*``,
  ``REL_*``, ``CT_*``) and relationship helpers (``rels_part``, ``resolve_target``).
* :mod:`xlmodel.ooxml.safety` — the pre-open safety check: ``check_workbook_file(path, **limits)``
  and ``check_workbook_bytes(data, name, keep_parts=False, **limits)`` → ``WorkbookInfo``
  (sheets, cells, formulas, shared strings, ``memory_estimate``; ``parts`` with keep_parts);
  every refusal an ``UnsafeFileError`` naming the limit.  ``memory_limit()``.
* :mod:`xlmodel.ooxml.package` — ``Package``: the zip members (``get``/``set``/``names``),
  content types, relationships, the workbook's sheets (``sheets()`` → ``SheetRef``), defined
  names, shared strings (``shared_strings()``), the date system (``date1904``); ``Package.read``
  checks and inflates a file once; ``to_bytes()`` copies unchanged members without recompressing.
* :mod:`xlmodel.ooxml.sheet` — one worksheet part: ``SheetXml(data)`` with the fast scan
  (``formula_cells()`` → ``FormulaCell``, ``cell_parts(wanted)``, ``cell_values()``,
  ``occupied()``, ``cached_errors()``) and the value patcher ``patch(updates, clear)`` that
  splices the changed ``<c>`` elements into the text and keeps every other byte.
"""
