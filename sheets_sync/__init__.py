"""sheets_sync."""
