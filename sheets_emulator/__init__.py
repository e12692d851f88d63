"""sheets_emulator."""
