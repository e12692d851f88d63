"""The KPI sheet's XML fitted into the user's package: its styles merged into the user's
``styles.xml`` and renumbered, its strings inline, its tab not selected.

Styles are merged index by index as the sheet uses them; an entry equal to one the user's styles
already hold (same tree, whatever the attribute order) is reused, so syncing again and again does
not grow ``styles.xml``, and when nothing is added it is not rewritten at all.
"""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree

from sheets_sync.backends.xlsx_xml import MAIN, q, serialize
from sheets_sync.errors import PackageError

Element = Any  # lxml's _Element: its stubs make every attribute access Optional-typed noise
# The children of <styleSheet>, in the order the schema requires.
STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles",
               "dxfs", "tableStyles", "colors", "extLst")
FIRST_CUSTOM_FORMAT = 164
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=True)  # our own XML (openpyxl's), which may be big


def key(el: Element) -> tuple[Any, ...]:
    """Two style entries are the same when their trees are, whatever the attribute order."""
    children = tuple(key(c) for c in el if isinstance(c.tag, str))
    return el.tag, tuple(sorted(el.attrib.items())), (el.text or "").strip(), children


class Styles:
    """The user's styles with the scratch sheet's merged in, index by index as they are used."""

    def __init__(self, user: Element, scratch: Element) -> None:
        self.root, self.scratch = user, scratch
        self.changed = False
        self.memo: dict[tuple[str, int], int] = {}

    def _list(self, root: Element, name: str, create: bool = False) -> Element:
        found = root.find(q(MAIN, name))
        if found is not None or not create:
            return found
        el = etree.Element(q(MAIN, name), count="0")
        later = STYLE_ORDER[STYLE_ORDER.index(name) + 1:]
        for i, child in enumerate(root):
            if isinstance(child.tag, str) and etree.QName(child).localname in later:
                root.insert(i, el)
                return el
        root.append(el)
        return el

    def _entries(self, root: Element, name: str) -> list[Element]:
        lst = self._list(root, name)
        return [] if lst is None else [c for c in lst if isinstance(c.tag, str)]

    def _add(self, name: str, entry: Element) -> int:
        """The index of an entry equal to ``entry`` in the user's list ``name``, added if none."""
        lst = self._list(self.root, name, create=True)
        entries = self._entries(self.root, name)
        wanted = key(entry)
        for i, e in enumerate(entries):
            if key(e) == wanted:
                return i
        lst.append(entry)
        lst.set("count", str(len(entries) + 1))
        self.changed = True
        return len(entries)

    def _copy(self, name: str, index: int) -> Element:
        entries = self._entries(self.scratch, name)
        if not 0 <= index < len(entries):
            raise PackageError.say("error.pkg_no_entry", name=name, index=index)
        return copy.deepcopy(entries[index])

    def _mapped(self, name: str, index: int) -> int:
        memo = (name, index)
        if memo not in self.memo:
            self.memo[memo] = self._add(name, self._copy(name, index))
        return self.memo[memo]

    def number_format(self, fid: int) -> int:
        if fid < FIRST_CUSTOM_FORMAT:
            return fid  # built in: the same in every workbook
        code = next((f.get("formatCode") for f in self._entries(self.scratch, "numFmts")
                     if f.get("numFmtId") == str(fid)), None)
        if code is None:
            raise PackageError.say("error.pkg_no_format", fid=fid)
        ids = [FIRST_CUSTOM_FORMAT - 1]
        for f in self._entries(self.root, "numFmts"):
            if f.get("formatCode") == code:
                return int(f.get("numFmtId", "0"))
            ids.append(int(f.get("numFmtId", "0")))
        new = etree.Element(q(MAIN, "numFmt"), numFmtId=str(max(ids) + 1), formatCode=code)
        self._add("numFmts", new)
        return max(ids) + 1

    def _remap(self, xf: Element) -> Element:
        xf.set("numFmtId", str(self.number_format(int(xf.get("numFmtId", "0")))))
        for attr, name in (("fontId", "fonts"), ("fillId", "fills"), ("borderId", "borders")):
            if xf.get(attr) is not None:
                xf.set(attr, str(self._mapped(name, int(xf.get(attr)))))
        return xf

    def cell_format(self, index: int) -> int:
        memo = ("cellXfs", index)
        if memo not in self.memo:
            if not self._entries(self.root, "cellStyleXfs"):
                self._add("cellStyleXfs", self._remap(self._copy("cellStyleXfs", 0)))
            xf = self._remap(self._copy("cellXfs", index))
            xf.set("xfId", "0")  # the user's Normal style
            self.memo[memo] = self._add("cellXfs", xf)
        return self.memo[memo]

    def differential(self, index: int) -> int:
        return self._mapped("dxfs", index)


def adapt_sheet(xml: bytes, styles: Styles | None, shared: list[Element]) -> bytes:
    """The scratch sheet with the user's style indexes, inline strings and no tab selection."""
    root: Element = etree.fromstring(xml, _PARSER)
    for view in root.iter(q(MAIN, "sheetView")):
        # openpyxl selects its only tab; two selected tabs are grouped in Excel, and an edit
        # on one would go to both
        view.attrib.pop("tabSelected", None)
    for c in root.iter(q(MAIN, "c")):
        if c.get("t") == "s":
            v = c.find(q(MAIN, "v"))
            string = shared[int(v.text)]
            c.remove(v)
            c.set("t", "inlineStr")
            inline = etree.SubElement(c, q(MAIN, "is"))
            inline.extend(copy.deepcopy(list(string)))
    if styles is not None:
        for tag, attr in (("c", "s"), ("row", "s"), ("col", "style")):
            for el in root.iter(q(MAIN, tag)):
                if el.get(attr) is not None:
                    el.set(attr, str(styles.cell_format(int(el.get(attr)))))
        for rule in root.iter(q(MAIN, "cfRule")):
            if rule.get("dxfId") is not None:
                rule.set("dxfId", str(styles.differential(int(rule.get("dxfId")))))
    return serialize(root)
