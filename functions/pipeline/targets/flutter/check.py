"""Checks for the `flutter` target: the pubspec, every import, and the app's routes.

No Dart toolchain runs in Lambda, so these are static: they catch what breaks a build
first (a pubspec that does not parse, an import of a file that is not there) and a
screen nobody can reach.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import Any

from functions.pipeline.checks.findings import Finding, error

_DIRECTIVE = re.compile(r"""^\s*(?:import|export|part)\s+['"](?P<uri>[^'"]+)['"]""")
_PACKAGE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_WIDGET = re.compile(
    r"^\s*class\s+(?P<name>[A-Z]\w*)\s+extends\s+(?:StatelessWidget|StatefulWidget|\w+Widget)\b",
    re.MULTILINE,
)


def _load_pubspec(files: Mapping[str, str]) -> tuple[dict[str, Any] | None, list[Finding]]:
    import yaml  # lazily: only Flutter jobs need it

    if "pubspec.yaml" not in files:
        return None, [error("qa.pubspec", "there is no pubspec.yaml")]
    try:
        data = yaml.safe_load(files["pubspec.yaml"])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "invalid YAML"
        return None, [
            error("qa.pubspec", f"pubspec.yaml does not parse: {problem}", "pubspec.yaml", line)
        ]
    if not isinstance(data, dict):
        return None, [error("qa.pubspec", "pubspec.yaml is not a mapping", "pubspec.yaml", 1)]
    findings = []
    name = data.get("name")
    if not isinstance(name, str) or not _PACKAGE_NAME.match(name):
        findings.append(
            error("qa.pubspec", "`name` is missing or not a valid package name", "pubspec.yaml")
        )
    environment = data.get("environment")
    if not isinstance(environment, dict) or not environment.get("sdk"):
        findings.append(error("qa.pubspec", "`environment.sdk` is missing", "pubspec.yaml"))
    dependencies = data.get("dependencies")
    if not isinstance(dependencies, dict) or "flutter" not in dependencies:
        findings.append(error("qa.pubspec", "`dependencies.flutter` is missing", "pubspec.yaml"))
    return data, findings


def _declared_packages(pubspec: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for section in ("dependencies", "dev_dependencies"):
        value = pubspec.get(section)
        if isinstance(value, dict):
            names.update(str(key) for key in value)
    return names


def _import_findings(
    path: str, text: str, files: Mapping[str, str], own: str | None, declared: set[str]
) -> list[Finding]:
    findings = []
    for number, line in enumerate(text.splitlines(), 1):
        match = _DIRECTIVE.match(line)
        if not match:
            continue
        uri = match["uri"]
        if uri.startswith("dart:"):
            continue
        if uri.startswith("package:"):
            package, _, rest = uri.removeprefix("package:").partition("/")
            if package == own:
                if f"lib/{rest}" not in files:
                    findings.append(
                        error("qa.import", f"import of a missing file: {uri}", path, number)
                    )
            elif own is not None and package not in declared:
                findings.append(
                    error("qa.import", f"package `{package}` is not a dependency", path, number)
                )
            continue
        if ":" in uri:
            continue  # another scheme (http:, file:): not resolvable here
        target = posixpath.normpath(posixpath.join(posixpath.dirname(path), uri))
        if target.startswith("../") or target not in files:
            findings.append(error("qa.import", f"import of a missing file: {uri}", path, number))
    return findings


def qa(files: Mapping[str, str]) -> list[Finding]:
    pubspec, findings = _load_pubspec(files)
    own = pubspec.get("name") if pubspec else None
    own_name = own if isinstance(own, str) else None
    declared = _declared_packages(pubspec or {})
    for path in sorted(p for p in files if p.endswith(".dart")):
        findings += _import_findings(path, files[path], files, own_name, declared)
    if not any(path.endswith(".dart") for path in files):
        findings.append(error("qa.import", "the project has no Dart files"))
    return findings


def _registers(main: str, widget: str) -> bool:
    """Whether `main` builds `widget` for a route (a `routes:` entry, `home:`, a GoRoute)."""
    name = re.escape(widget)
    return bool(
        re.search(rf"=>\s*(?:const\s+)?{name}\s*\(", main)
        or re.search(rf"\bhome\s*:\s*(?:const\s+)?{name}\s*\(", main)
    )


def runtime(files: Mapping[str, str]) -> list[Finding]:
    main = files.get("lib/main.dart")
    if main is None:
        return [error("runtime.entry", "there is no lib/main.dart")]
    findings = []
    if not re.search(r"\brunApp\s*\(", main):
        findings.append(error("runtime.entry", "lib/main.dart never calls runApp", "lib/main.dart"))
    for path in sorted(p for p in files if p.startswith("lib/screens/") and p.endswith(".dart")):
        text = files[path]
        for match in _WIDGET.finditer(text):
            if match["name"].startswith("_") or _registers(main, match["name"]):
                continue
            line = text.count("\n", 0, match.start("name")) + 1
            findings.append(
                error(
                    "runtime.route",
                    f"lib/main.dart registers no route for {match['name']}",
                    path,
                    line,
                )
            )
    return findings
