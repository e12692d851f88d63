"""excel_udfs."""
