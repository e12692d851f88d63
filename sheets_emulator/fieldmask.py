"""Field masks: `fields=` on reads and the `fields` of update requests.

Accepts Google's forms: `a.b`, `a/b`, `a(b,c)`, nested parentheses, comma lists and `*`. A mask is
parsed into a tree: {name: subtree}; an empty subtree selects the whole value.
"""

from __future__ import annotations

import copy
from typing import Any

Tree = dict[str, Any]


class MaskError(ValueError):
    pass


def parse(mask: str) -> Tree:
    text = mask.replace(" ", "")
    tree, pos = _parse_list(text, 0)
    if pos != len(text):
        raise MaskError(mask)
    return tree


def _parse_list(text: str, pos: int) -> tuple[Tree, int]:
    tree: Tree = {}
    while pos < len(text):
        path: list[str] = []
        start = pos
        while pos < len(text) and text[pos] not in ",()":
            pos += 1
        segment = text[start:pos]
        path = [p for p in segment.replace("/", ".").split(".") if p]
        sub: Tree = {}
        if pos < len(text) and text[pos] == "(":
            sub, pos = _parse_list(text, pos + 1)
            if pos >= len(text) or text[pos] != ")":
                raise MaskError(text)
            pos += 1
        if not path:
            raise MaskError(text)
        _insert(tree, path, sub)
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        break
    return tree, pos


def _insert(tree: Tree, path: list[str], sub: Tree) -> None:
    node = tree
    for name in path[:-1]:
        if name in node and node[name] == {}:
            return  # already whole
        node = node.setdefault(name, {})
    _merge(node, {path[-1]: sub})


def _merge(a: Tree, b: Tree) -> None:
    for k, v in b.items():
        if k in a:
            if a[k] == {} or v == {}:
                a[k] = {}
            else:
                _merge(a[k], v)
        else:
            a[k] = v


def select(obj: Any, tree: Tree) -> Any:
    """Keep only the masked parts of a response object (lists apply the mask to each item)."""
    if not tree or "*" in tree:
        return obj
    if isinstance(obj, list):
        return [select(x, tree) for x in obj]
    if isinstance(obj, dict):
        return {k: select(v, tree[k]) for k, v in obj.items() if k in tree}
    return obj


def update(target: dict[str, Any], source: dict[str, Any], tree: Tree) -> None:
    """Copy the masked fields from source into target; masked fields absent in source are
    cleared (Google's update semantics)."""
    if "*" in tree:
        for k in list(target):
            if k not in source:
                del target[k]
        for k, v in source.items():
            target[k] = copy.deepcopy(v)
        return
    for key, sub in tree.items():
        if not sub:
            if key in source:
                target[key] = copy.deepcopy(source[key])
            else:
                target.pop(key, None)
            continue
        src = source.get(key)
        if not isinstance(src, dict):
            src = {}
        node = target.get(key)
        if not isinstance(node, dict):
            node = {}
        update(node, src, sub)
        if node:
            target[key] = node
        else:
            target.pop(key, None)
