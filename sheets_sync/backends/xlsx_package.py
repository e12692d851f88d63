"""Replace one sheet of an .xlsx package and keep every other part exactly as it was.

An .xlsx is a zip of XML parts tied together by relationship (``.rels``) parts. openpyxl can only
rewrite the whole package, and it drops what it does not read: charts, images, pivot tables,
slicers, threaded comments. So the KPI sheet is rendered alone by openpyxl into a scratch package
and ``replace_sheet`` moves it into the user's package:

- every part of the user's package is copied with the same content, compression and order, except
  the KPI sheet and the parts only it uses (its drawing, chart, comments), which make way for the
  scratch sheet's, renamed so they collide with nothing;
- ``xl/workbook.xml`` and its rels gain a ``<sheet>`` entry only when the KPI sheet is new;
- ``[Content_Types].xml`` names the new parts; ``xl/styles.xml`` gains the number formats, fonts,
  fills, borders and cell formats the KPI sheet uses (``xlsx_sheet``: equal ones are reused, so
  repeated syncs do not grow it) and the sheet's style indexes are renumbered to them.

Strings in the KPI sheet are inline, so ``xl/sharedStrings.xml`` never changes. A part is only
re-serialised when something in it changes. The user's XML is first checked by defusedxml (no
entities, no external references), then edited with lxml, which keeps its namespace prefixes:
``mc:Ignorable`` names prefixes, and a re-serialiser that renames them corrupts the file.
"""

from __future__ import annotations

import posixpath
import re
import shutil
import time
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO
from urllib.parse import unquote

from lxml import etree

from sheets_sync.backends.xlsx_sheet import Styles, adapt_sheet
from sheets_sync.backends.xlsx_xml import (
    DOC_REL,
    MAIN,
    PARSER,
    PKG_REL,
    TYPES,
    Element,
    parse,
    q,
    serialize,
)
from sheets_sync.errors import PackageError as PackageError  # the one error tree (errors.py)

OFFICE_DOCUMENT = f"{DOC_REL}/officeDocument"
WORKSHEET = f"{DOC_REL}/worksheet"
STYLES = f"{DOC_REL}/styles"
SHARED_STRINGS = f"{DOC_REL}/sharedStrings"
CALC_CHAIN = f"{DOC_REL}/calcChain"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CONTENT_TYPES = "[Content_Types].xml"
FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")  # a cell formula, not <font> or <formula>
NUMBERED = re.compile(r"^(.*?)(\d*)((?:\.[^./]+)?)$")
def rels_name(part: str) -> str:
    """The relationships part of ``part`` ("" is the package itself)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source: str, target: str) -> str:
    target = unquote(target)
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


@dataclass(frozen=True)
class Rel:
    id: str
    type: str
    target: str | None  # a part name; None for an external target (a URL, another file)


class Package:
    """Read access to a zip package; part names compare without case, as OPC says."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.names = {i.filename.lower(): i.filename for i in zf.infolist()}

    def name(self, part: str) -> str:
        return self.names.get(part.lower(), part)

    def has(self, part: str) -> bool:
        return part.lower() in self.names

    def read(self, part: str) -> bytes:
        if not self.has(part):
            raise PackageError.say("error.pkg_part_missing", part=part)
        return self.zf.read(self.names[part.lower()])

    def rels(self, part: str) -> list[Rel]:
        name = rels_name(part)
        if not self.has(name):
            return []
        out = []
        for r in parse(self.read(name)).iter(q(PKG_REL, "Relationship")):
            external = r.get("TargetMode") == "External"
            target = None if external else self.name(resolve(part, r.get("Target", "")))
            out.append(Rel(r.get("Id", ""), r.get("Type", ""), target))
        return out

    def reach(self, roots: Iterable[str], blocked: str = "") -> set[str]:
        """Every part reachable from ``roots`` through relationships (with the rels parts),
        not entering ``blocked``."""
        seen: set[str] = set()
        todo = list(roots)
        while todo:
            part = todo.pop()
            if part in seen or (blocked and part == blocked):
                continue
            seen.add(part)
            if self.has(rels_name(part)):
                seen.add(self.name(rels_name(part)))
            todo.extend(r.target for r in self.rels(part) if r.target and self.has(r.target))
        seen.discard("")
        return seen

    def main_part(self) -> str:
        for rel in self.rels(""):
            if rel.type == OFFICE_DOCUMENT and rel.target and self.has(rel.target):
                return rel.target
        raise PackageError.say("error.pkg_no_workbook")


class ContentTypes:
    def __init__(self, data: bytes) -> None:
        self.root = parse(data)
        self.changed = False

    def _override(self, part: str) -> Element | None:
        wanted = f"/{part}".lower()
        for o in self.root.iter(q(TYPES, "Override")):
            if o.get("PartName", "").lower() == wanted:
                return o
        return None

    def type_of(self, part: str) -> str | None:
        o = self._override(part)
        if o is not None:
            return str(o.get("ContentType"))
        ext = posixpath.splitext(part)[1].lstrip(".").lower()
        for d in self.root.iter(q(TYPES, "Default")):
            if d.get("Extension", "").lower() == ext:
                return str(d.get("ContentType"))
        return None

    def set(self, part: str, content_type: str) -> None:
        if self.type_of(part) == content_type:
            return
        o = self._override(part)
        if o is None:
            o = etree.SubElement(self.root, q(TYPES, "Override"), PartName=f"/{part}")
        o.set("ContentType", content_type)
        self.changed = True

    def drop(self, part: str) -> None:
        o = self._override(part)
        if o is not None:
            self.root.remove(o)
            self.changed = True


def free_name(wanted: str, taken: set[str]) -> str:
    """``wanted``, or the same name with the lowest number that is not taken."""
    m = NUMBERED.match(wanted)
    stem, ext = (m.group(1), m.group(3)) if m else (wanted, "")
    n = 1
    name = wanted
    while name.lower() in taken:
        n += 1
        name = f"{stem}{n}{ext}"
    taken.add(name.lower())
    return name


@dataclass(frozen=True)
class Result:
    sheet_names: tuple[str, ...]
    rewritten: frozenset[str]  # parts written anew or dropped; every other part is as it was


def replace_sheet(original: IO[bytes], scratch: IO[bytes], title: str,
                  out: IO[bytes]) -> Result:
    """Write to ``out`` the package ``original`` with its sheet ``title`` (added at the end if
    missing) taken from the one-sheet package ``scratch``."""
    try:
        with zipfile.ZipFile(original) as src_zip, zipfile.ZipFile(scratch) as new_zip:
            return _replace(src_zip, new_zip, title, out)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, KeyError,
            ValueError) as e:
        raise PackageError.say("error.pkg_not_zip", why=e) from e


def _replace(src_zip: zipfile.ZipFile, new_zip: zipfile.ZipFile, title: str,
             out: IO[bytes]) -> Result:
    src, new = Package(src_zip), Package(new_zip)
    book = src.main_part()
    book_xml = parse(src.read(book))
    if book_xml.tag != q(MAIN, "workbook"):
        raise PackageError.say("error.pkg_strict")
    book_rels = parse(src.read(rels_name(book)))
    rels = {r.id: r for r in src.rels(book)}
    sheets = book_xml.find(q(MAIN, "sheets"))
    if sheets is None:
        raise PackageError.say("error.pkg_no_sheets")
    entries = list(sheets.iterfind(q(MAIN, "sheet")))
    names = [e.get("name", "") for e in entries]
    written: dict[str, bytes] = {}
    dropped: set[str] = set()
    book_changed = rels_changed = False
    entry = next((e for e in entries if e.get("name") == title), None)
    if entry is not None:
        rel = rels.get(entry.get(q(DOC_REL, "id"), ""))
        if rel is None or rel.target is None or not src.has(rel.target):
            raise PackageError.say("error.pkg_tab_part_missing", tab=title)
        sheet_part = rel.target
        dropped = src.reach([sheet_part]) - src.reach([""], blocked=sheet_part)
        calc = next((r for r in rels.values() if r.type == CALC_CHAIN and r.target), None)
        if calc is not None and FORMULA.search(src.read(sheet_part)):
            # the calculation chain would name formula cells that are gone: Excel rebuilds it
            dropped.add(calc.target)  # type: ignore[arg-type]
            _drop_rel(book_rels, calc.id)
            rels_changed = True
    else:
        taken = {n for n in src.names}
        sheet_part = free_name(posixpath.join(posixpath.dirname(book), "worksheets/sheet1.xml"),
                               taken)
        rid = free_name("rId1", _ids(book_rels))
        _add_rel(book_rels, rid, WORKSHEET, posixpath.relpath(sheet_part, posixpath.dirname(book)))
        ids = [int(e.get("sheetId", "0")) for e in entries]
        sheet = etree.SubElement(sheets, q(MAIN, "sheet"), name=title,
                                 sheetId=str(max(ids, default=0) + 1))
        sheet.set(q(DOC_REL, "id"), rid)
        names.append(title)
        book_changed = rels_changed = True

    ctypes = ContentTypes(src.read(CONTENT_TYPES))
    new_ctypes = ContentTypes(new.read(CONTENT_TYPES))
    new_book = new.main_part()
    new_rels = new.rels(new_book)
    new_sheet = next(r.target for r in new_rels if r.type == WORKSHEET and r.target)
    taken = {n for n in src.names} - {d.lower() for d in dropped}
    rename = {new_sheet: sheet_part}
    taken.add(sheet_part.lower())
    carried = sorted(p for p in new.reach([new_sheet]) if not p.endswith(".rels"))
    for part in carried:
        if part != new_sheet:
            rename[part] = free_name(part, taken)
    for part, target in rename.items():
        if part != new_sheet:
            written[target] = new.read(part)
        ctypes.set(target, new_ctypes.type_of(part) or "application/xml")
        if new.has(rels_name(part)):
            written[rels_name(target)] = _moved_rels(new.read(rels_name(part)), part, rename)

    shared: list[Element] = []
    ss = next((r.target for r in new_rels if r.type == SHARED_STRINGS and r.target), None)
    if ss is not None:
        shared = list(parse(new.read(ss)).iterfind(q(MAIN, "si")))
    new_styles = next(r.target for r in new_rels if r.type == STYLES and r.target)
    styles_part = next((r.target for r in rels.values()
                        if r.type == STYLES and r.target and src.has(r.target)), None)
    if styles_part is None:  # a bare package: the scratch styles, as they are, become its own
        styles_part = free_name(posixpath.join(posixpath.dirname(book), "styles.xml"), taken)
        written[styles_part] = new.read(new_styles)
        ctypes.set(styles_part, new_ctypes.type_of(new_styles) or "application/xml")
        _add_rel(book_rels, free_name("rId1", _ids(book_rels)), STYLES,
                 posixpath.relpath(styles_part, posixpath.dirname(book)))
        rels_changed = True
        styles = None
    else:
        styles = Styles(parse(src.read(styles_part)), parse(new.read(new_styles)))
    written[sheet_part] = adapt_sheet(new.read(new_sheet), styles, shared)
    if styles is not None and styles.changed:
        written[styles_part] = serialize(styles.root)

    for part in dropped:
        if part not in written and not part.endswith(".rels"):
            ctypes.drop(part)
    if book_changed:
        written[book] = serialize(book_xml)
    if rels_changed:
        written[rels_name(book)] = serialize(book_rels)
    if ctypes.changed:
        written[CONTENT_TYPES] = serialize(ctypes.root)
    _write(src_zip, written, dropped, out)
    return Result(tuple(names), frozenset(written) | frozenset(dropped))


def _ids(rels_root: Element) -> set[str]:
    return {str(r.get("Id", "")).lower() for r in rels_root.iter(q(PKG_REL, "Relationship"))}


def _add_rel(rels_root: Element, rid: str, rel_type: str, target: str) -> None:
    etree.SubElement(rels_root, q(PKG_REL, "Relationship"), Id=rid, Type=rel_type,
                     Target=target)


def _drop_rel(rels_root: Element, rid: str) -> None:
    for r in list(rels_root.iter(q(PKG_REL, "Relationship"))):
        if r.get("Id") == rid:
            rels_root.remove(r)


def _moved_rels(data: bytes, part: str, rename: dict[str, str]) -> bytes:
    root = etree.fromstring(data, PARSER)
    for r in root.iter(q(PKG_REL, "Relationship")):
        if r.get("TargetMode") != "External":
            target = resolve(part, r.get("Target", ""))
            r.set("Target", "/" + rename.get(target, target))
    return serialize(root)


def _clone(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    z = zipfile.ZipInfo(info.filename, info.date_time)
    z.compress_type = info.compress_type
    z.external_attr, z.create_system, z.comment = (info.external_attr, info.create_system,
                                                   info.comment)
    z.file_size = info.file_size  # lets zipfile decide on zip64 before it streams the part
    return z


def _write(src: zipfile.ZipFile, written: dict[str, bytes], dropped: set[str],
           out: IO[bytes]) -> None:
    pending = dict(written)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in pending:
                dst.writestr(_clone(info), pending.pop(info.filename))
            elif info.filename not in dropped:
                with src.open(info) as r, dst.open(_clone(info), "w") as w:
                    shutil.copyfileobj(r, w, 1 << 20)
        now = time.localtime()[:6]
        for name, data in pending.items():
            dst.writestr(zipfile.ZipInfo(name, now), data, zipfile.ZIP_DEFLATED)


def is_1904(original: IO[bytes]) -> bool:
    """Whether the workbook counts dates from 1904 (old Mac Excel), as its cells must."""
    try:
        with zipfile.ZipFile(original) as zf:
            src = Package(zf)
            pr = parse(src.read(src.main_part())).find(q(MAIN, "workbookPr"))
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError) as e:
        raise PackageError.say("error.pkg_not_zip", why=e) from e
    return pr is not None and pr.get("date1904", "0").lower() in ("1", "true")
