"""The built-in offline provider: complete, deterministic projects with no network.

Templates live per target (`web`, `python_api`, `flutter`); planning documents in
`documents`; `refactor` and `repair` in `maintenance`; the review in `review`. Importing
this package loads only the provider class; templates load when a phase needs them.
"""

from shared.llm.offline.provider import MODEL, OfflineProvider

__all__ = ["MODEL", "OfflineProvider"]
