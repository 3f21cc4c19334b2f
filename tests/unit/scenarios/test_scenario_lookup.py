"""Choosing victims while pod pages stream in: reservoir sampling, and the cyclic garbage
collector paused during the listing."""

from __future__ import annotations

import gc
import random
from collections import Counter
from itertools import combinations

import pytest

from undertow.scenarios.common.lookup import Reservoir, _cycle_collection_paused


def _sample(items: range, size: int, rng: random.Random) -> list[int]:
    reservoir: Reservoir[int] = Reservoir(size, rng)
    for item in items:
        reservoir.offer(item)
    return reservoir.items()


def test_fewer_items_than_the_size_are_all_kept() -> None:
    assert sorted(_sample(range(3), 5, random.Random(1))) == [0, 1, 2]
    assert _sample(range(0), 5, random.Random(1)) == []


def test_exactly_size_distinct_items_from_the_stream() -> None:
    rng = random.Random(7)
    for _ in range(200):
        chosen = _sample(range(50), 10, rng)
        assert len(chosen) == 10 == len(set(chosen))
        assert set(chosen) <= set(range(50))


def test_every_item_and_every_pair_is_equally_likely() -> None:
    """Uniform over subsets: each item kept with probability size/n, each pair with
    size(size-1)/(n(n-1)); a bias towards early or late items would show here."""
    rng = random.Random(2024)
    trials, n, size = 30_000, 8, 3
    items: Counter[int] = Counter()
    pairs: Counter[tuple[int, int]] = Counter()
    for _ in range(trials):
        chosen = sorted(_sample(range(n), size, rng))
        items.update(chosen)
        pairs.update(combinations(chosen, 2))
    for item in range(n):
        assert abs(items[item] / trials - size / n) < 0.015, (item, items[item])
    expected_pair = size * (size - 1) / (n * (n - 1))
    for pair in combinations(range(n), 2):
        assert abs(pairs[pair] / trials - expected_pair) < 0.012, (pair, pairs[pair])


def test_order_of_the_choice_is_shuffled() -> None:
    """All items kept (size == n): the order is still random, as `random.sample`'s is."""
    rng = random.Random(3)
    orders = {tuple(_sample(range(5), 5, rng)) for _ in range(50)}
    assert len(orders) > 10


def test_cycle_collection_is_paused_only_while_listing() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), _cycle_collection_paused():
        assert not gc.isenabled()
        raise RuntimeError("a failed listing")
    assert gc.isenabled()
    gc.disable()
    try:
        with _cycle_collection_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
