"""sheets_sync: the CLI (``sheets-sync``, cli.py) and the service (``sheets_sync.app.create_app``;
``flask --app sheets_sync.app run`` serves it for development). Importing this package imports
nothing else, so ``sheets_sync.errors`` or a backend can be used without Flask being loaded."""
