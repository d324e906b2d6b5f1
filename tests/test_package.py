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


def test_a_background_job_runs_at_low_priority(home):
    show = (
        "import os; from trace import cli; before = os.nice(0); "
        "cli.main({args}); print(os.nice(0) - before)"
    )
    niceness = [
        subprocess.run(
            [sys.executable, "-c", show.format(args=args)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        for args in (["--background", "spotify", "status"], ["spotify", "status"])
    ]
    assert niceness == ["10", "0"]
