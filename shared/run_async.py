"""Run a coroutine to its end from synchronous code (a worker's handler), wherever it is.

Deployed, no loop runs in a handler's thread. Locally the emulated Lambda runs a worker's
handler inside the calling group's request, whose event loop is running there: the
coroutine then gets a thread (and a loop) of its own.

The loop is made by `loop_factory`, never installed as the thread's current loop:
`asyncio.run` alone would leave the main thread with none set (`set_event_loop(None)`),
and Mangum's `get_event_loop()` in the next handler on that thread would fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def run_to_end[T](make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """`make()`'s coroutine, run to its end; its result."""

    def run() -> T:
        return asyncio.run(make(), loop_factory=asyncio.new_event_loop)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
