"""The tests' own check that Prefect's events worker is not left sending to a stopped server."""

from __future__ import annotations

import socket

from tests.prefect_servers import server_answers


def test_a_listening_port_answers_and_a_closed_one_does_not() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        assert server_answers(f"ws://127.0.0.1:{port}/api/events/in")
    assert not server_answers(f"ws://127.0.0.1:{port}/api/events/in")
