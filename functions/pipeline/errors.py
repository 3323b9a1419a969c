"""Errors a phase raises. Step Functions matches Retry and Catch on the class name."""

from __future__ import annotations


class TransientPhaseError(Exception):
    """Worth retrying: a provider's 429 or 5xx, a timeout. Named in shared/pipeline/asl.py."""


class ProviderTimedOut(TransientPhaseError):
    """The provider did not answer within its read timeout. Retried fewer times than other
    transient errors (shared/pipeline/asl.py): each attempt already waited the whole timeout,
    where a 429 or a 5xx answers at once."""


class PhaseFailed(Exception):
    """The phase cannot succeed as things stand; the job fails with this message."""


class ChecksFailed(PhaseFailed):
    """qa still finds problems after every allowed repair attempt."""
