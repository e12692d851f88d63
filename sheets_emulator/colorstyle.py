"""Google keeps every colour of a format twice: `backgroundColor` and `backgroundColorStyle`
(`{"rgbColor": ...}`), `textFormat.foregroundColor` and `foregroundColorStyle`, a border's
`color` and `colorStyle`. Writing either writes both (recorded: a repeatCell with only
backgroundColor reads back with backgroundColorStyle too); clearing either clears both."""

from __future__ import annotations

from typing import Any

_BORDERS = ("top", "bottom", "left", "right")
Mask = dict[str, Any]  # a fieldmask subtree; {} means the whole object


def mirror(fmt: dict[str, Any], sent: Any, mask: Mask) -> None:
    """After a masked write of `sent` into `fmt`, make each colour the mask names agree with its
    twin (in place)."""
    sent = _dict(sent)
    _pair(fmt, sent, mask, "backgroundColor", "backgroundColorStyle")
    text = fmt.get("textFormat")
    if isinstance(text, dict) and _named(mask, "textFormat"):
        _pair(text, _dict(sent.get("textFormat")), _dict(mask.get("textFormat")),
              "foregroundColor", "foregroundColorStyle")
    borders = fmt.get("borders")
    if isinstance(borders, dict) and _named(mask, "borders"):
        border_mask, sent_borders = _dict(mask.get("borders")), _dict(sent.get("borders"))
        for side in _BORDERS:
            if isinstance(borders.get(side), dict) and _named(border_mask, side):
                _pair(borders[side], _dict(sent_borders.get(side)),
                      _dict(border_mask.get(side)), "color", "colorStyle")


def mirror_tab(props: dict[str, Any], sent: Any, mask: Mask) -> None:
    """SheetProperties' tabColor and tabColorStyle, likewise."""
    _pair(props, _dict(sent), mask, "tabColor", "tabColorStyle")


def _named(mask: Mask, key: str) -> bool:
    return not mask or key in mask


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _pair(holder: dict[str, Any], sent: dict[str, Any], mask: Mask, plain: str,
          style: str) -> None:
    if mask and plain not in mask and style not in mask:
        return
    styled = sent.get(style)
    rgb = styled.get("rgbColor") if isinstance(styled, dict) else None
    if isinstance(sent.get(plain), dict):
        holder[plain] = dict(sent[plain])
        holder[style] = {"rgbColor": dict(sent[plain])}
    elif isinstance(rgb, dict):
        holder[plain] = dict(rgb)
    elif styled is None:
        holder.pop(plain, None)
        holder.pop(style, None)
