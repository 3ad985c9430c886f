"""One module per validation check.

A check is a function ``(book: LoadedBook, params: ParameterSet | None) -> list[Finding]``
reading the one loaded workbook model (:mod:`xlmodel.validate.book`) and reporting in the one
vocabulary of results (:mod:`xlmodel.validate.findings`).  :data:`xlmodel.validate.CHECKS`
names them; a module is imported only when its check runs.
"""
