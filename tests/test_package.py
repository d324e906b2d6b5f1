from __future__ import annotations

import ast
import shutil
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


# -- the stages import only the stages before them -----------------------------------------

STAGE_RULES = {
    # stage: the stages (and outside packages) it must never import
    "library": ("trace.audio", "trace.sources", "trace.analysis", "trace.demo", "trace.ui"),
    "audio": ("trace.sources", "trace.analysis", "trace.demo", "trace.ui"),
    "sources": ("trace.analysis", "trace.demo", "trace.ui"),
    "analysis": ("trace.sources", "trace.demo", "trace.ui"),
    "demo": ("trace.ui",),
}
BASE = ("store", "schema", "config", "errors", "exports")
"""Top-level modules every stage may use; they import no stage themselves."""


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def layering_problems(package: Path) -> list[str]:
    problems = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).parts
        stage = parts[0] if len(parts) > 1 else path.stem
        for module in sorted(imported_modules(path)):
            where = f"{path.relative_to(package.parent)} imports {module}"
            if module.split(".")[0] == "streamlit" and stage != "ui":
                problems.append(f"{where}: only trace/ui/ may import Streamlit")
            forbidden = STAGE_RULES.get(stage, ())
            if stage in BASE:
                forbidden = tuple(f"trace.{s}" for s in (*STAGE_RULES, "ui", "cli", "weekly"))
            if any(module == f or module.startswith(f + ".") for f in forbidden):
                problems.append(f"{where}: {stage} comes before that stage")
    return problems


def test_each_stage_imports_only_the_stages_before_it():
    assert layering_problems(ROOT / "trace") == []


def test_the_layering_check_sees_a_forbidden_import(tmp_path):
    package = tmp_path / "trace"
    shutil.copytree(ROOT / "trace", package, ignore=shutil.ignore_patterns("__pycache__"))
    scan = package / "library" / "scan.py"
    scan.write_text(scan.read_text() + "\n\ndef _late():\n    from trace.analysis import table\n")
    (package / "store.py").write_text("import streamlit\n" + (package / "store.py").read_text())
    assert layering_problems(package) == [
        "trace/library/scan.py imports trace.analysis: library comes before that stage",
        "trace/library/scan.py imports trace.analysis.table: library comes before that stage",
        "trace/store.py imports streamlit: only trace/ui/ may import Streamlit",
    ]


def test_every_apt_get_in_the_scripts_waits_for_the_dpkg_lock():
    """Another apt-get holding the lock must make ours wait, not fail."""
    calls = [
        line
        for script in (ROOT / "scripts").glob("*.sh")
        for line in script.read_text().splitlines()
        if "apt-get " in line and not line.lstrip().startswith("#")
    ]
    assert calls
    assert all("-o DPkg::Lock::Timeout=600" in line for line in calls), calls
