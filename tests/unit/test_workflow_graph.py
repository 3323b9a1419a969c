"""The cycle check every step edit runs (shared.workflows.graph)."""

from __future__ import annotations

from shared.workflows.graph import dependents, find_cycle


def test_an_acyclic_graph_has_no_cycle() -> None:
    assert find_cycle({"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c"]}) is None


def test_a_self_dependency_is_a_cycle_of_one() -> None:
    assert find_cycle({"a": ["a"]}) == ["a", "a"]


def test_a_cycle_is_named_along_its_steps() -> None:
    cycle = find_cycle({"x": [], "a": ["c"], "b": ["a"], "c": ["b"], "d": ["x"]})
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    assert set(cycle) == {"a", "b", "c"}
    assert len(cycle) == 4


def test_dependents_are_the_reverse_edges() -> None:
    assert dependents({"a": [], "b": ["a"], "c": ["a", "b"]}) == {
        "a": ["b", "c"],
        "b": ["c"],
        "c": [],
    }
