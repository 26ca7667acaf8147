"""Reading topics from the beginning in tests, as an integrator would."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from kafka import KafkaConsumer


class TopicReader:
    def __init__(self, bootstrap: str, *topics: str) -> None:
        self.consumer = KafkaConsumer(*topics, bootstrap_servers=bootstrap, group_id=None,
                                      auto_offset_reset="earliest", enable_auto_commit=False,
                                      consumer_timeout_ms=200)
        self.messages: list[Any] = []

    def poll(self) -> None:
        for message in self.consumer:
            self.messages.append(message)

    def values(self, topic: str) -> list[dict[str, Any]]:
        return [orjson.loads(m.value) for m in self.messages if m.topic == topic]

    def wait_for(self, predicate: Callable[[TopicReader], bool], timeout: float = 60.0,
                 settle: float = 0.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll()
            if predicate(self):
                if settle:
                    time.sleep(settle)
                    self.poll()
                return
        raise AssertionError(f"condition not met within {timeout:.0f}s")

    def close(self) -> None:
        self.consumer.close()
