"""Case import: lender files (CSV in UTF-8 or GBK, JSON) validated and upserted set-based."""

from server.imports.service import ImportRequest, get_import_run, import_cases, import_runs

__all__ = ["ImportRequest", "get_import_run", "import_cases", "import_runs"]
