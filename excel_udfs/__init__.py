"""excel_udfs: the Funnel KPI functions for Excel, thin adapters over funnel_kpi.

    udfs        the xlwings UDF module (xlwings "UDF Modules": excel_udfs.udfs)
    adapters    the functions without xlwings: Excel-shaped arguments in, cleaned per the
                registry's spec (funnel_kpi.registry.FUNCTIONS), cell values out
    kpi_table   KPI(kpi_id, ...): registry id -> its spreadsheet function
    coerce      Excel arguments -> numbers, dates, texts (funnel_kpi.parse.cells parses them)
    errors      Excel error values, and the reason -> error mapping
    wire        how an error value is handed to Excel (COM VT_ERROR, or its text)
    setup       xlwings.conf and the steps to import the functions (sheets-sync excel-setup)

Only ``udfs`` imports xlwings; everything else imports funnel_kpi and the standard library.
"""
