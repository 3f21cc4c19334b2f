from __future__ import annotations

from undertow.rollback import InterruptGate


def test_only_signals_during_the_rollback_ask_and_each_asks_once() -> None:
    questions: list[str] = []
    answers = iter([False, True])
    gate = InterruptGate(lambda q: questions.append(q) or next(answers))
    gate.signal_received()  # the first Ctrl-C: stops injection, starts the rollback
    gate.rollback_started()
    assert gate.should_abort() is False and questions == []
    gate.signal_received()
    assert gate.should_abort() is False  # asked, the user said no
    assert gate.should_abort() is False and len(questions) == 1  # no new signal, no question
    gate.signal_received()
    assert gate.should_abort() is True and len(questions) == 2
    assert "stay pending" in questions[0]
