"""Build pivot.xlsx: the rich test workbook (tests/sync/xlsx_books.py) with a pivot table on a
tab of its own, made and saved by LibreOffice. xlsxwriter and openpyxl cannot write pivot tables.

    .venv/bin/python -c "from pathlib import Path; from tests.sync.xlsx_books import rich_book; \
rich_book(Path('/tmp/rich.xlsx'))"
    /usr/bin/python3 tests/sync/xlsx_fixtures/make_pivot.py /tmp/rich.xlsx \
        tests/sync/xlsx_fixtures/pivot.xlsx

Needs Debian's LibreOffice and python3-uno (the system Python, not the virtualenv).
"""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.sheet.DataPilotFieldOrientation import DATA, ROW
from com.sun.star.sheet.GeneralFunction import SUM
from com.sun.star.table import CellAddress, CellRangeAddress


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main(source: str, target: str) -> None:
    profile = tempfile.mkdtemp()
    pipe = f"pivot{int(time.time())}"
    office = subprocess.Popen(["soffice", f"-env:UserInstallation=file://{profile}",
                               "--headless", "--norestore", f"--accept=pipe,name={pipe};urp;"])
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(100):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.2)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(str(Path(source).resolve())),
                                           "_blank", 0, (prop("Hidden", True),))
        sheets = doc.Sheets
        sheets.insertNewByName("Pivot", sheets.Count)
        pivot = sheets.getByName("Pivot")
        tables = pivot.getDataPilotTables()
        desc = tables.createDataPilotDescriptor()
        area = CellRangeAddress()
        # Funnel!A1:E9: Month .. Paid, a header and 8 months
        area.Sheet, area.StartColumn, area.StartRow, area.EndColumn, area.EndRow = 0, 0, 0, 4, 8
        desc.setSourceRange(area)
        fields = desc.getDataPilotFields()
        fields.getByIndex(0).Orientation = ROW  # Month
        paid = fields.getByIndex(4)
        paid.Orientation = DATA
        paid.Function = SUM
        where = CellAddress()
        where.Sheet, where.Column, where.Row = sheets.getCount() - 1, 0, 0
        tables.insertNewByName("PaidByMonth", where, desc)
        doc.storeToURL(uno.systemPathToFileUrl(str(Path(target).resolve())),
                       (prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
    finally:
        office.terminate()
        office.wait(30)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
