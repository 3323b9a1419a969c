"""The workflow step worker: the Lambda the workflows state machine invokes."""
