"""A local Google Sheets API v4 (+ the Drive v3 calls gspread 6 makes) for tests and demos.

Run it: `python -m sheets_emulator --port 8085 [--data DIR] [--seed FILE.xlsx[=ID][@LOCALE]]`
and point the product's client at it with `SHEETS_EMULATOR_HOST=127.0.0.1:8085`.
In tests: `sheets_emulator.testing.running_emulator()` (a subprocess) or `serve_in_thread()`.

Layout: app (WSGI, faults, auth, quotas) -> routes -> sheets_api / values_api / batch_update
(+ batch_cells, batch_ranges) / drive; state in store; A1 notation in a1 and ranges; rendering
in cells and numfmt; USER_ENTERED parsing in userinput; formulas, functions and refs; the
control API in control; xlsx seeding in seed. Imports nothing from the product.
"""
