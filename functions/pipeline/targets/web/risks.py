"""What the review says the pipeline cannot prove about a web project."""

RISKS = ("The JavaScript tests (`node --test`) are not run by the pipeline: run them in CI.",)
