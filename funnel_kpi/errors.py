"""Exceptions of the core.

    FunnelError                 code "cannot_compute": anything the core refuses, with a sentence
    │                           a user can act on
    ├── ConfigError             "cannot_compute": a funnel config (dict or TOML) that cannot
    │                           describe a funnel
    ├── LayoutError             "cannot_compute": no recognisable funnel tab, or a required
    │                           column is missing
    ├── PlanError               (report/plan.py) "cannot_plan": no such month, no plan, or too
    │                           few complete months to learn from
    └── ReportFormatError       (report/funnel_report.py) a stored report that cannot be read

``code`` is what the service's API answers with (``{"error": {"code": ...}}``); the subclasses
repeat the API's one code rather than each having its own, so that no client sees a new code.
The core knows nothing of HTTP: the service maps a ``FunnelError`` to its status.

Bad cell values are not exceptions: they become ``Problem`` records and the rest is computed.

Every error a user sees is said by a key of the catalogue's ``[error]`` table and its
parameters (``Said``, shared with sheets_sync's tree): ``raise
LayoutError.say("error.no_funnel_tab", names=names)``. ``str(e)`` is the English sentence
(logs, the API's ``message``); ``e.text("ru")`` the Russian one, for the surfaces that speak
the user's language.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any, Self

from funnel_kpi.catalogue import has as catalogue_has
from funnel_kpi.catalogue import text as catalogue_text
from funnel_kpi.report.textfmt import in_lang

# What a parameter may be: kept as JSON with a failed run (sheets_sync's runs table), so a run
# is said again later in any language. User data (tab names, values) goes in as it is; a part
# of the sentence said in its own words is ``phrase(key, **params)``; an error given as a
# parameter becomes its phrase (or its text, for an outside error).
Param = str | int | float | None | Mapping[str, Any] | BaseException


def phrase(key: str, /, **params: Param) -> dict[str, Any]:
    """A part of a sentence said by its own key: a parameter of another sentence."""
    return {"key": key, "params": {k: _stored(v) for k, v in params.items()}}


def _stored(value: Param) -> Any:
    """The parameter as JSON keeps it: anything else than JSON's own values is its text."""
    if isinstance(value, Said) and value.key is not None:
        return phrase(value.key, **value.params)
    if isinstance(value, str | int | float | Mapping) or value is None:
        return value
    return str(value)


class _Sentence(string.Formatter):
    """The catalogue's ``str.format`` with numbers written as ``lang`` writes them ("{n:,}":
    "1,234" / "1 234"), whatever the format spec; everything else as Python formats it."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def vformat(self, format_string: str, args: Sequence[Any],
                kwargs: Mapping[str, Any]) -> str:
        """As str.format; where a field's text ends its own sentence ("... e.g. 0 7 * * 1-5.")
        and the template's next text starts with a full stop, one full stop, not two. Only at
        that seam: a value's own dots ("Q1..Q2", "../conf") and an ellipsis are left alone."""
        out: list[str] = []
        after_fields = False  # only fields' text (an empty one included) since the last literal
        for literal, field, spec, conversion in self.parse(format_string):
            last = next((i for i in range(len(out) - 1, -1, -1) if out[i]), None)
            if after_fields and literal.startswith(".") and last is not None \
                    and out[last].endswith(".") and not out[last].endswith(".."):
                out[last] = out[last][:-1]
            out.append(literal)
            after_fields = (after_fields and not literal) or field is not None
            if field is not None:
                value, _ = self.get_field(field, args, kwargs)
                out.append(self.format_field(self.convert_field(value, conversion), spec or ""))
        return "".join(out)

    def format_field(self, value: Any, format_spec: str) -> str:
        if value is None:  # an empty list of names: "none" / "нет"
            return catalogue_text("error.none", self.lang)
        if isinstance(value, Mapping):  # a phrase
            return sentence(str(value["key"]), self.lang, value["params"])
        out: str = super().format_field(value, format_spec)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return in_lang(out, self.lang)
        return out


def param_text(value: Param, lang: str = "en") -> str:
    """A parameter as a sentence shows it (a phrase, an error: in ``lang``)."""
    return _Sentence(lang).format_field(_stored(value), "")


def sentence(key: str, lang: str, params: Mapping[str, Param]) -> str:
    """The catalogue's sentence ``key`` in ``lang`` ("ru", else English) with ``params``."""
    template = catalogue_text(key, lang)
    return _Sentence(lang).vformat(template, (), params)


class Said(Exception):
    """An error said by a catalogue key and its parameters (or, for old code, a plain English
    sentence: then ``key`` is None and every language gets that sentence).

    ``X.say(key, **params)``, or ``X(key=..., params=...)`` where the class takes more
    arguments of its own; ``X.like(e)`` re-raises another error's words as this kind."""

    def __init__(self, message: str | None = None, /, *, key: str | None = None,
                 params: Mapping[str, Param] | None = None) -> None:
        self.key = key
        self.params: Mapping[str, Param] = {k: _stored(v) for k, v in (params or {}).items()}
        super().__init__(message if key is None else sentence(key, "en", self.params))

    @classmethod
    def say(cls, key: str, /, **params: Param) -> Self:
        return cls(key=key, params=params)

    @classmethod
    def like(cls, other: BaseException) -> Self:
        """``other``'s words (its key, or its sentence) as this kind of error."""
        if isinstance(other, Said) and other.key is not None:
            return cls(key=other.key, params=other.params)
        return cls(str(other))

    def text(self, lang: str = "en") -> str:
        """The sentence in ``lang``: "ru" or "en"."""
        return str(self) if self.key is None else sentence(self.key, lang, self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled whole (key, params and a subclass's own attributes): the file reader's child
        # process sends its errors back this way. Exception's own way calls cls(*args), which
        # a class with arguments of its own (JobNotFound) does not take.
        return _unpickle, (type(self), self.args), self.__dict__


def _unpickle(cls: type[Said], args: tuple[Any, ...]) -> Said:
    err = cls.__new__(cls)
    err.args = args
    return err


def said_again(key: str | None, params: Mapping[str, Any] | None, lang: str) -> str | None:
    """A stored error (a failed run's key and parameters) in ``lang``; None when there is no
    key, or the catalogue no longer has it with those parameters (then the stored English
    sentence is what there is)."""
    if not key or not catalogue_has(key):
        return None
    try:
        return sentence(key, lang, params or {})
    except (KeyError, IndexError, ValueError, TypeError):
        return None


def error_text(e: BaseException, lang: str = "en") -> str:
    """Any error's sentence in ``lang``: a said one in that language, any other as it is."""
    return e.text(lang) if isinstance(e, Said) else str(e)



class FunnelError(Said):
    """Base of the core's errors; ``str(e)`` is a complete sentence for the user."""

    code = "cannot_compute"


class ConfigError(FunnelError):
    code = "cannot_compute"


class LayoutError(FunnelError):
    code = "cannot_compute"

    @property
    def tab(self) -> str | None:
        """The tab the sentence names (its ``tab`` parameter), if any."""
        tab = self.params.get("tab")
        return tab if isinstance(tab, str) else None
