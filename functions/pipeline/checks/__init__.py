"""The checks the qa, runtime and security phases run on a generated tree.

A tree is a `dict[str, str]` (relative POSIX path -> text). Generated code is never
imported here: whatever runs it (pytest, the smoke run) runs in a subprocess with a
clean environment and a time limit (see `sandbox`).
"""

from functions.pipeline.checks.findings import Finding
from functions.pipeline.checks.runner import run_qa, run_runtime
from functions.pipeline.checks.security import scan_security

__all__ = ["Finding", "run_qa", "run_runtime", "scan_security"]
