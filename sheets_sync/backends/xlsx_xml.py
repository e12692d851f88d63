"""The XML of an .xlsx package: its namespaces, a parser that refuses entities and external
references, and the serializer that keeps the parts' namespace prefixes (lxml)."""

from __future__ import annotations

from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeTree
from lxml import etree

from sheets_sync.errors import PackageError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False)

Element = Any  # lxml's _Element: its stubs make every attribute access Optional-typed noise


def q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def parse(data: bytes) -> Element:
    try:
        SafeTree.fromstring(data)  # refuses entity declarations and external references
        return etree.fromstring(data, PARSER)
    except (DefusedXmlException, SafeTree.ParseError, etree.XMLSyntaxError) as e:
        raise PackageError.say("error.pkg_bad_xml", why=e) from e


def serialize(root: Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))
