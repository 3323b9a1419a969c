"""The CDK app: `npx cdk synth -c stage=dev|prod` (cdk.json runs `python -m infra.app`).

One stack per stage, named `factory-<stage>`; every resource name starts with that prefix.
cdk-nag's AwsSolutions and Serverless packs check the whole app at synth: any finding not
acknowledged in infra/nag_suppressions.py fails the synth.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from infra import nag_suppressions
from infra.names import (
    BadSecurityHeaderError,
    UnknownStageError,
    stage_config,
    with_security_headers,
)
from infra.packaging import LayerNotBuiltError
from infra.stacks.factory import FactoryStack
from shared.middleware import SECURITY_HEADER_VARIABLES

CDK_JSON = Path(__file__).resolve().parents[1] / "cdk.json"


def cdk_json_context() -> dict[str, Any]:
    """The context (feature flags) of cdk.json: the CLI passes it to the app; tests that
    build an App themselves pass it too, so they synthesize what `cdk synth` does."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


def build_app(app: App | None = None) -> tuple[App, FactoryStack]:
    """Build the stage's stack into `app` (a fresh App reading `-c stage=` by default)."""
    app = app or App()
    config = stage_config(app.node.try_get_context("stage"))
    config = with_security_headers(
        config, {name: app.node.try_get_context(name) for name in SECURITY_HEADER_VARIABLES}
    )
    stack = FactoryStack(app, config.prefix, config=config)
    nag_suppressions.acknowledge(stack)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    return app, stack


def main() -> None:
    try:
        app, _ = build_app()
    except (UnknownStageError, BadSecurityHeaderError, LayerNotBuiltError) as exc:
        # A usage mistake, not a bug: one line saying what to do, no traceback.
        raise SystemExit(f"infra: {exc}") from None
    app.synth()


if __name__ == "__main__":
    main()
