"""Locale-bound formatting of figures, and the message catalogues of template strings."""

from briefgen.i18n.format import Formatter, NumberStyle, style_for

__all__ = ["Formatter", "NumberStyle", "style_for"]
