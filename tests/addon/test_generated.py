"""The add-ons' generated files are what `sheets-sync addon build` writes from the registry now
(regenerate with it after changing a function), and they are well-formed."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from funnel_kpi import registry
from sheets_sync import addon_cli
from sheets_sync.cli import main
from tests.conftest import REPO


def test_the_committed_files_are_up_to_date() -> None:
    stale = []
    for rel, content in addon_cli.build().items():
        path = REPO / rel
        kept = path.read_bytes() if path.exists() else None
        fresh = content if isinstance(content, bytes) else content.encode("utf-8")
        if kept != fresh:
            stale.append(rel)
    assert not stale, f"run `sheets-sync addon build`: {stale} differ from the registry's"


def test_the_command_writes_them(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["addon", "build", "--out", str(tmp_path),
                                       "--base-url", "https://kpi.example.com/addin"])
    assert result.exit_code == 0, result.output
    gs = (tmp_path / "sheets_addon" / "functions.gs").read_text("utf-8")
    assert gs == (REPO / "sheets_addon" / "functions.gs").read_text("utf-8")
    manifest = (tmp_path / "office_addin" / "manifest.xml").read_text("utf-8")
    assert "https://kpi.example.com/addin/functions.js" in manifest
    assert "https://localhost:3000" not in manifest
    # a folder to serve as it is: the page's scripts copied where the repository has a link
    page = (tmp_path / "office_addin" / "taskpane.html").read_text("utf-8")
    for rel in ("lib/cells.js", "lib/run.js", "src/office.js"):
        assert f'<script src="{rel}">' in page
        copy = (tmp_path / "office_addin" / rel).read_bytes()
        assert copy == (REPO / "office_addin" / rel).read_bytes()
    assert "wrote" in result.output


def test_the_office_page_loads_the_library_then_the_functions() -> None:
    page = addon_cli.OFFICE_PAGE.read_text("utf-8")
    scripts = re.findall(r'<script src="([^":]+)"></script>', page)
    assert scripts == [*addon_cli.OFFICE_SCRIPTS, "functions.js"]
    for rel, kept in addon_cli.OFFICE_SCRIPTS.items():
        assert (REPO / "office_addin" / rel).read_bytes() == kept.read_bytes()
    # the page's library is the Sheets add-on's, not a copy that could drift (a comparison of
    # the files above is of each with itself while the link stands)
    lib = REPO / "office_addin" / "lib"
    assert lib.is_symlink() and lib.resolve() == addon_cli.LIB.resolve()


def test_every_function_is_in_both_add_ons() -> None:
    gs = (REPO / "sheets_addon" / "functions.gs").read_text("utf-8")
    metadata = json.loads((REPO / "office_addin" / "functions.json").read_text("utf-8"))
    script = (REPO / "office_addin" / "functions.js").read_text("utf-8")
    names = list(registry.FUNCTIONS)
    for name in names:
        assert f"\nfunction FUNNEL_{name}(" in gs
        assert f'CustomFunctions.associate("{name}",' in script
    assert [f["id"] for f in metadata["functions"]] == names
    # FUNNEL_CONVERSION, FUNNEL_CAC and FUNNEL_LTV: the names the issue asks for
    assert all(f"function FUNNEL_{n}(" in gs for n in ("CONVERSION", "CAC", "LTV"))


def test_the_manifest_is_an_office_add_in_with_custom_functions() -> None:
    root = ET.parse(REPO / "office_addin" / "manifest.xml").getroot()
    ns = {"o": "http://schemas.microsoft.com/office/appforoffice/1.1",
          "v": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
          "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
          "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
    assert root.find("o:Hosts/o:Host", ns).get("Name") == "Workbook"  # type: ignore[union-attr]
    point = root.find(".//v:AllFormFactors/v:ExtensionPoint", ns)
    assert point is not None
    assert point.get(f"{{{ns['xsi']}}}type") == "CustomFunctions"
    urls = {u.get("id"): str(u.get("DefaultValue")) for u in root.iterfind(".//bt:Url", ns)}
    assert urls["Functions.Script.Url"].endswith("/functions.js")
    assert urls["Functions.Metadata.Url"].endswith("/functions.json")
    names = {s.get("id"): s.get("DefaultValue") for s in root.iterfind(".//bt:String", ns)}
    assert names["Functions.Namespace"] == "FUNNEL"
    for size in (16, 32, 64, 80):
        icon = (REPO / "office_addin" / "assets" / f"icon-{size}.png").read_bytes()
        assert icon.startswith(b"\x89PNG") and int.from_bytes(icon[16:20], "big") == size


def test_docs_list_every_function() -> None:
    docs = (REPO / "docs" / "addon.md").read_text("utf-8")
    assert addon_cli.function_table() in docs, "docs/addon.md: paste addon_cli.function_table()"
