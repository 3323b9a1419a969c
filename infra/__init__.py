"""The CDK app (Python): one stack per stage, one construct per concern. See docs/infra.md."""
