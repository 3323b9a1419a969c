"""The local runtime: every route group in one process over in-process emulated AWS (moto)."""
