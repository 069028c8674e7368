"""One tiny request to a model endpoint, with a verdict a person can act on.

Used by ``agentica-acp --login`` (test the key before storing it) and ``agentica doctor``.
The request asks for one token (``max_tokens: 1``) of the named model, so a wrong key
(401/403), an unknown model (404, or a 400 that names the model), an endpoint that
cannot be reached and a working setup each get their own verdict. The key is sent in
a header only, and is scrubbed from any text of the endpoint's answer that is shown.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Literal

Kind = Literal["ok", "no_key", "wrong_key", "unknown_model", "unreachable", "error"]

OPENAI_URL = "https://api.openai.com/v1"
ANTHROPIC_URL = "https://api.anthropic.com"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of ``check_endpoint``."""

    kind: Kind
    text: str
    """One line for the user (never contains the key)."""
    latency: float | None = None
    """Seconds the endpoint took to answer (None when it did not)."""

    @property
    def ok(self) -> bool:
        """Whether the model answered."""
        return self.kind == "ok"


def check_endpoint(
    *,
    provider: str,
    model: str,
    base_url: str | None,
    api_key: str | None,
    needs_key: bool = True,
    timeout: float = 15.0,
) -> Verdict:
    """Ask ``model`` at ``base_url`` for one token and judge the answer (see the module doc).

    ``provider`` ``anthropic`` speaks the Messages API; every other provider the OpenAI
    Chat Completions API.
    """
    if needs_key and not api_key:
        return Verdict("no_key", f"no API key for {provider} (nothing was sent)")
    import httpx

    if provider == "anthropic":
        url = (base_url or ANTHROPIC_URL).rstrip("/")
        url += "/messages" if url.endswith("/v1") else "/v1/messages"
        headers = {"x-api-key": api_key or "", "anthropic-version": "2023-06-01"}
    else:
        url = (base_url or OPENAI_URL).rstrip("/") + "/chat/completions"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    body = {"model": model, "max_tokens": 1, "messages": [{"role": "user", "content": "Hi"}]}
    start = time.perf_counter()
    try:
        response = httpx.post(url, json=body, headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        return Verdict("unreachable", f"{url} did not answer within {timeout:g} s")
    except httpx.HTTPError as e:
        return Verdict("unreachable", f"cannot reach {url}: {_scrub(str(e), api_key)}")
    latency = time.perf_counter() - start
    code = response.status_code
    message = _scrub(_error_message(response.content), api_key)
    if 200 <= code < 300:
        return Verdict("ok", f"{model} answered in {latency * 1000:.0f} ms", latency)
    if code in (401, 403):
        return Verdict(
            "wrong_key", f"the endpoint rejected the key (HTTP {code}): check it", latency
        )
    if code == 404 or (code in (400, 422) and "model" in message.lower()):
        return Verdict(
            "unknown_model",
            f"the endpoint does not know model {model!r} (HTTP {code}"
            f"{': ' + message if message else ''}); check the model name and the endpoint URL",
            latency,
        )
    return Verdict("error", f"the endpoint answered HTTP {code}: {message or '(no message)'}")


def _error_message(content: bytes) -> str:
    """The provider's error message from a JSON error body (trimmed), else ``""``."""
    try:
        data = json.loads(content)
    except ValueError:
        return content[:200].decode("utf-8", "replace").strip()
    error = data.get("error") if isinstance(data, dict) else None
    text = error.get("message") if isinstance(error, dict) else error
    return str(text or "")[:200].strip()


def _scrub(text: str, key: str | None) -> str:
    return text.replace(key, "***") if key else text


__all__ = ["ANTHROPIC_URL", "OPENAI_URL", "Kind", "Verdict", "check_endpoint"]
