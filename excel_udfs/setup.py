"""Setting Excel up for the functions: the xlwings.conf file and the steps to import them.

``sheets-sync excel-setup`` calls these. xlwings' add-in reads its settings from the workbook's
own "xlwings.conf" sheet, then from an ``xlwings.conf`` file in the workbook's folder, then from
the user's ``~/.xlwings/xlwings.conf``; each line of a file is ``"KEY","value"``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

UDF_MODULE = "excel_udfs.udfs"
CONFIG_NAME = "xlwings.conf"


def _read(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    rows = csv.reader(io.StringIO(path.read_text(encoding="utf-8")))
    return [(r[0], r[1]) for r in rows if len(r) >= 2]


def write_config(folder: Path, *, interpreter: str | None = None) -> Path:
    """Write (or update) ``folder/xlwings.conf`` so xlwings imports ``excel_udfs.udfs``.

    Other keys already in the file are kept; ``UDF MODULES`` (and ``INTERPRETER_WIN`` when an
    interpreter is given) are set. Returns the file's path.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_NAME
    settings = {"UDF MODULES": UDF_MODULE}
    if interpreter:
        settings["INTERPRETER_WIN"] = interpreter
    kept = [(k, v) for k, v in _read(path) if k.strip().upper() not in settings]
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows([*kept, *settings.items()])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


_STEPS = {
    "en": """\
Funnel KPI functions in Excel (Windows, xlwings):
1. Install: pip install "funnel-kpi[excel]", then: xlwings addin install
2. Put the workbook in the folder that has xlwings.conf (sheets-sync excel-setup FOLDER writes
   it; it names the UDF module excel_udfs.udfs).
3. Open the workbook and save it as an Excel Macro-Enabled Workbook (.xlsm).
4. File > Options > Trust Center > Trust Center Settings > Macro Settings: tick
   "Trust access to the VBA project object model".
5. In the VBA editor (Alt+F11): Tools > References, tick "xlwings".
6. On the xlwings ribbon tab click "Import Functions" (UDF Modules: excel_udfs.udfs).
7. Recalculate (Ctrl+Alt+F9). The functions are in the "Funnel KPI" category of the
   Insert Function dialog; an undefined KPI shows #DIV/0! or #N/A.
Without Python: use the *_builtin.xlsx templates, which use built-in formulas only.
""",
    "ru": """\
Функции воронки в Excel (Windows, xlwings):
1. Установите: pip install "funnel-kpi[excel]", затем: xlwings addin install
2. Положите книгу в папку с файлом xlwings.conf (его пишет sheets-sync excel-setup ПАПКА;
   в нём указан модуль функций excel_udfs.udfs).
3. Откройте книгу и сохраните её как «Книга Excel с поддержкой макросов» (.xlsm).
4. Файл > Параметры > Центр управления безопасностью > Параметры центра управления
   безопасностью > Параметры макросов: отметьте «Доверять доступ к объектной модели
   проектов VBA».
5. В редакторе VBA (Alt+F11): Tools > References (Сервис > Ссылки), отметьте «xlwings».
6. На вкладке xlwings нажмите «Import Functions» (UDF Modules: excel_udfs.udfs).
7. Пересчитайте (Ctrl+Alt+F9). Функции — в категории «Funnel KPI» окна «Вставка функции»;
   неопределённый показатель показывает #ДЕЛ/0! (#DIV/0!) или #Н/Д (#N/A).
Без Python: шаблоны *_builtin.xlsx считают только встроенными формулами Excel.
""",
}


def setup_steps(lang: str = "en") -> str:
    """The steps to import the functions into Excel, in Russian ("ru") or English."""
    return _STEPS["ru" if lang.lower().startswith("ru") else "en"]
