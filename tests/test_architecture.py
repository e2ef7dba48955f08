"""The code's shape: layered packages without import cycles (import-linter's contracts in
pyproject.toml), and imports at the top of modules unless a heavy one is loaded lazily on purpose."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "caucasus_kg"


def test_layers_and_no_cycles() -> None:
    """`lint-imports` keeps every contract: the layers cli > server > ops > read | checks | draft > store
    > sources > model > core, and no cycle among the modules of any package."""
    done = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_imports_inside_functions_say_why() -> None:
    """An import inside a function is a deliberate lazy load, marked `# lazy: <why>` on its
    line, or one of a block of imports that a `# lazy: <why>` comment line opens; everything
    else is imported at the top of its module."""
    unmarked = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            imports = sorted((inner for inner in ast.walk(node)
                              if isinstance(inner, ast.Import | ast.ImportFrom)),
                             key=lambda inner: inner.lineno)
            opened = False  # the block of imports this one belongs to opens with `# lazy:`
            previous_end = 0
            for inner in imports:
                between = lines[previous_end:inner.lineno - 1]
                if not (opened and previous_end and all(not line.strip() for line in between)):
                    above = lines[inner.lineno - 2].strip() if inner.lineno > 1 else ""
                    opened = above.startswith("# lazy:")
                previous_end = inner.end_lineno or inner.lineno
                text = " ".join(lines[inner.lineno - 1:inner.end_lineno])
                if "# lazy:" not in text and not opened:
                    unmarked.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {text.strip()}")
    assert unmarked == []


def test_a_cycle_would_be_caught(tmp_path: Path) -> None:
    """The acyclic contract is not vacuous: a copy of the package with one import added back
    (contradictions -> pipeline, while pipeline imports contradictions) breaks it."""
    copy = tmp_path / "src"
    subprocess.run(["cp", "-r", str(ROOT / "src"), str(copy)], check=True)
    target = copy / "caucasus_kg" / "checks" / "contradictions.py"
    target.write_text(target.read_text() + "\nfrom caucasus_kg.checks.pipeline import CheckResult\n")
    done = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache",
                           "--config", str(ROOT / "pyproject.toml")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert ".contradictions -> .pipeline" in done.stdout


def test_the_committed_diagram_is_the_codes() -> None:
    """docs/images/architecture.dot is what scripts/architecture_diagram.py draws from the code
    now (`make architecture` redraws it)."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "architecture_diagram.py"),
                           "--check"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
