"""CSV and XLSX import of registrants, read top-down:

1. `read`: the upload keeps the file and the worker reads it, once, into rows on the job
   (`import_upload`, `import_read`); no page parses a file.
2. `mapping`: the admin maps each column to a question or profile field (`guess_mapping` gives a
   first guess).
3. `validate`: every row is checked (`import_validate`: the questionnaire's own validation, and
   who each person is), and the admin reads the report of bad rows.
4. `apply`: the admin confirms (`import_start`) and the worker writes the good rows a chunk per
   transaction (`import_run`), then tells the people it registered (`send_import_notices`)."""

from kindred.registration.imports.apply import (
    import_run,
    import_start,
    imports_fail_stale,
    send_import_notices,
)
from kindred.registration.imports.mapping import (
    column_name,
    guess_mapping,
    header_label,
    target_choices,
    unmapped_required,
)
from kindred.registration.imports.read import (
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    import_preview,
    import_read,
    import_upload,
    read_table,
)
from kindred.registration.imports.validate import import_validate

__all__ = [
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "column_name",
    "guess_mapping",
    "header_label",
    "import_preview",
    "import_read",
    "import_run",
    "import_start",
    "import_upload",
    "import_validate",
    "imports_fail_stale",
    "read_table",
    "send_import_notices",
    "target_choices",
    "unmapped_required",
]
