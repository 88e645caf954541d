"""One client for every model call: drafts, revisions, follow-ups, promises, triage.

Built once per workspace (``Workspace.llm``) and shared by every thread: the SDK's sync
client is thread-safe, so a batch drafts in a thread pool and the TUI calls it from thread
workers; no event loop is involved. Base URL and model come from the config (which read
the environment once, at load); the key from ``OPENAI_API_KEY`` or the keyring secret the
config names, read once when the client is built. The SDK retries 429 and 5xx answers
itself, honouring Retry-After. Errors come back as ``LLMError`` with a reason a person
can act on; the key never appears in them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import httpx

from replydesk import secrets
from replydesk.config import Config
from replydesk.domain.errors import LLMError, SecretError
from replydesk.domain.redact import redact, remember

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam

Messages = list[dict[str, str]]


def _sdk(messages: Messages) -> list[ChatCompletionMessageParam]:
    """Our plain role/content dicts, as the SDK's per-role message types (same objects)."""
    return cast("list[ChatCompletionMessageParam]", messages)


class StopGeneration(Exception):
    """Raised by an ``on_token`` callback to stop a streamed answer (Esc in the editor)."""


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    tokens_in: int
    tokens_out: int
    cost: float


class LLMClient:
    def __init__(self, config: Config, api_key: str | None = None) -> None:
        from openai import OpenAI

        self.config = config
        self.model = config.llm_model
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key:
            try:
                key = secrets.get(config.llm.api_key_secret)
            except SecretError:
                key = "not-needed"  # local servers (Ollama, llama.cpp) take any key
        remember(key)
        self.client = OpenAI(
            base_url=config.llm_base_url or None,
            api_key=key,
            timeout=config.llm.timeout,
            max_retries=config.llm.max_retries,
        )

    @staticmethod
    def configured(config: Config) -> bool:
        return bool(config.llm_model)

    def cost(self, tokens_in: int, tokens_out: int) -> float:
        llm = self.config.llm
        return (
            tokens_in * llm.input_price_per_mtok + tokens_out * llm.output_price_per_mtok
        ) / 1_000_000

    def complete(
        self, messages: Messages, *, json_mode: bool = False, temperature: float | None = None
    ) -> Completion:
        import openai

        kwargs: dict[str, Any] = {}
        if json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        try:
            resp = self.client.chat.completions.create(
                model=self.model,
                messages=_sdk(messages),
                temperature=self.config.llm.temperature if temperature is None else temperature,
                **kwargs,
            )
        except openai.APIError as exc:
            raise _error(exc, self.config) from None
        except ValueError as exc:
            raise LLMError(f"the model's answer could not be read: {exc}") from None
        if not resp.choices:
            raise LLMError("the model answered with no choices")
        text = resp.choices[0].message.content or ""
        usage = resp.usage
        t_in = usage.prompt_tokens if usage else 0
        t_out = usage.completion_tokens if usage else 0
        return Completion(text, resp.model or self.model, t_in, t_out, self.cost(t_in, t_out))

    def stream(
        self, messages: Messages, on_token: Callable[[str], None] | None = None
    ) -> Completion:
        """Stream the answer, handing each piece to ``on_token`` as it arrives.

        ``on_token`` may raise ``StopGeneration``: the stream is closed and the exception
        goes on to the caller, who keeps what arrived.
        """
        import openai

        parts: list[str] = []
        t_in = t_out = 0
        model = self.model
        try:
            with self.client.chat.completions.create(
                model=self.model,
                messages=_sdk(messages),
                temperature=self.config.llm.temperature,
                stream=True,
                stream_options={"include_usage": True},
            ) as stream:
                for chunk in stream:
                    model = chunk.model or model
                    if chunk.usage:
                        t_in, t_out = chunk.usage.prompt_tokens, chunk.usage.completion_tokens
                    for choice in chunk.choices or []:
                        piece = choice.delta.content if choice.delta else None
                        if piece:
                            parts.append(piece)
                            if on_token:
                                on_token(piece)
        except openai.APIError as exc:
            raise _error(exc, self.config) from None
        except httpx.HTTPError as exc:  # the connection dropped in the middle of the answer
            raise LLMError(f"the model's answer was cut off: {type(exc).__name__}") from None
        text = "".join(parts)
        if not t_out:
            t_out = max(1, len(text) // 4)
        return Completion(text, model, t_in, t_out, self.cost(t_in, t_out))

    def complete_json(self, messages: Messages) -> tuple[dict[str, Any], Completion]:
        done = self.complete(messages, json_mode=True, temperature=0)
        text = done.text.strip()
        if text.startswith("```"):
            text = text.strip("`").removeprefix("json").strip()
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise LLMError(
                f"the model did not answer in JSON (starts {redact(text)[:40]!r})"
            ) from None
        if not isinstance(data, dict):
            raise LLMError("the model's JSON is not an object")
        return data, done

    def close(self) -> None:
        self.client.close()


def _error(exc: openai.APIError, config: Config) -> LLMError:
    import openai

    where = config.llm_base_url or "the OpenAI API"
    if isinstance(exc, openai.APITimeoutError):
        return LLMError(f"the model at {where} did not answer within {config.llm.timeout:g} s")
    if isinstance(exc, openai.APIConnectionError):
        return LLMError(f"cannot reach the model endpoint {where}: {exc}")
    if isinstance(exc, openai.RateLimitError):
        return LLMError(
            f"the model endpoint {where} is rate limiting (429) and kept asking to wait "
            f"after {config.llm.max_retries} retries"
        )
    if isinstance(exc, openai.AuthenticationError):
        return LLMError(
            f"the model endpoint {where} refused the API key (401): set OPENAI_API_KEY or "
            f"`replydesk secret set {config.llm.api_key_secret}`"
        )
    if isinstance(exc, openai.APIStatusError):
        return LLMError(f"the model endpoint {where} answered HTTP {exc.status_code}")
    return LLMError(f"the model's answer could not be read: {exc}")
