"""TRACE — TRack Analysis for Customized Exploration.

The analysis package behind the dashboard: where music enters (``scan``), where it is
kept (``store``), and — in later modules — where it is analysed. The core never imports
Streamlit; the dashboard's helpers live in ``trace.ui``.
"""

from __future__ import annotations

from trace.errors import ParameterError, SourceError, StoreError, TraceError

__version__ = "0.1.0"
IS_TRACE_PACKAGE = True
"""Lets a test tell this package from the standard library's ``trace`` module."""

__all__ = ["ParameterError", "SourceError", "StoreError", "TraceError", "__version__"]
