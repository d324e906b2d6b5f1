from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import trace

ROOT = Path(__file__).resolve().parent.parent


def test_import_trace_is_this_package_not_the_standard_library():
    assert getattr(trace, "IS_TRACE_PACKAGE", False)
    assert Path(trace.__file__).resolve() == ROOT / "trace" / "__init__.py"


def test_python_dash_m_trace_runs_this_package():
    result = subprocess.run(
        [sys.executable, "-m", "trace", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "scan" in result.stdout
