"""Generation jobs: the domain objects and their storage, shared by the jobs API, the
approvals API, the pipeline worker and the reconciler."""
