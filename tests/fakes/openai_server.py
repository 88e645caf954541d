"""A loopback OpenAI-compatible chat-completions server (plain and SSE-streamed answers,
usage, 429 with Retry-After, 500s and slow answers via ``FakeServer.script``)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakes.server import FakeServer, Req

Responder = Callable[[list[dict[str, Any]]], str]


@dataclass
class OpenAIServer:
    server: FakeServer
    respond: Responder
    model: str = "fake-model"
    seen: list[list[dict[str, Any]]] = field(default_factory=list)
    chunk_delay: float = 0.0  # > 0: SSE events trickle out, as from a real model

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/v1"

    def __post_init__(self) -> None:
        @self.server.route("POST", r"/v1/chat/completions")
        def chat(req: Req):
            body = req.json()
            messages = body["messages"]
            self.seen.append(messages)
            text = self.respond(messages)
            usage = {
                "prompt_tokens": sum(len(m["content"]) // 4 for m in messages),
                "completion_tokens": max(1, len(text) // 4),
            }
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
            if body.get("stream"):
                events = self.sse(text, usage)
                if self.chunk_delay:
                    return 200, {"Content-Type": "text/event-stream"}, self.trickle(events)
                return 200, {"Content-Type": "text/event-stream"}, events
            return (
                200,
                {},
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": self.model,
                    "usage": usage,
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": text},
                        }
                    ],
                },
            )

    def trickle(self, events: str):
        for event in events.split("\n\n"):
            if event:
                time.sleep(self.chunk_delay)
                yield event + "\n\n"

    def sse(self, text: str, usage: dict[str, int]) -> str:
        events = []
        for i in range(0, len(text), 8):
            chunk = {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": self.model,
                "choices": [
                    {"index": 0, "delta": {"content": text[i : i + 8]}, "finish_reason": None}
                ],
            }
            events.append(f"data: {json.dumps(chunk)}\n\n")
        done = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": self.model,
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": usage,
        }
        events.append(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n")
        return "".join(events)
