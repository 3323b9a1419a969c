"""The dependency graph of a workflow's steps: a step may depend only on steps that exist,
never on itself, and never in a cycle. Checked whenever a step is added or changed, so a
run never meets a graph it cannot order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def find_cycle(depends_on: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle of `depends_on` (step → the steps it waits for) as the steps along it, the
    first repeated at the end (`[a, b, a]`), or None. Depth-first, iterative: a graph of
    the step cap never nears the recursion limit, but no reason to depend on that."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in depends_on:
        if state.get(root):
            continue
        path: list[str] = [root]
        pending: list[list[str]] = [list(depends_on.get(root, ()))]
        state[root] = 1
        while path:
            if not pending[-1]:
                state[path.pop()] = 2
                pending.pop()
                continue
            nxt = pending[-1].pop()
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if state.get(nxt) is None:
                state[nxt] = 1
                path.append(nxt)
                pending.append(list(depends_on.get(nxt, ())))
    return None


def dependents(depends_on: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Each step's dependents (the steps waiting for it), in the order given."""
    found: dict[str, list[str]] = {step: [] for step in depends_on}
    for step, needs in depends_on.items():
        for need in needs:
            found.setdefault(need, []).append(step)
    return found
