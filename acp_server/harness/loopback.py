"""A scripted model on 127.0.0.1 for ``acp-harness check --loopback``.

It speaks the OpenAI Chat Completions API (``/v1/chat/completions``, streamed or not) and
the Responses API (``/v1/responses``, streamed; what codex uses), so the checks that need
tool calls, permissions, terminals and cancellation can run against any agent that reads
its endpoint from a setting. The script, per turn (the last user message):

* it contains ``sleep 30``: call the agent's shell tool with that command;
* it contains ``Take your time``: stream text slowly (a turn to cancel);
* otherwise: call the agent's read tool on ``README.md`` (no read tool: its shell tool
  with ``cat README.md``);
* after a tool result: answer ``Done.``

Tools are found by name in the request's ``tools`` (override with ``tools={"read": NAME,
"shell": NAME}``); their argument is the first parameter whose name fits (``path`` /
``file_path`` / ``filename``; ``command`` / ``cmd``), in the form the schema asks for (a
string, or an argv array for codex's ``shell``). With no fitting tool the model answers
with text, so the checks that needed the tool are skipped, not failed.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any

_READ = re.compile(r"^(read_file|read_text_file|read|view|cat|readfile|fs_read|read_text)$", re.I)
_SHELL = re.compile(
    r"^(execute|shell|bash|exec_command|run_command|exec|run_shell_command|terminal)$", re.I
)
_PATH_ARGS = ("file_path", "path", "filename", "file", "absolute_path")
_CMD_ARGS = ("command", "cmd")
SLOW_CHUNKS, SLOW_GAP = 80, 0.25


def _tool_list(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(name, parameters schema)`` of every function tool (Chat and Responses layouts)."""
    out = []
    for tool in body.get("tools") or []:
        if not isinstance(tool, dict):
            continue
        inner = tool.get("function")
        fn: dict[str, Any] = inner if isinstance(inner, dict) else tool
        name = fn.get("name")
        if isinstance(name, str):
            params = fn.get("parameters")
            out.append((name, params if isinstance(params, dict) else {}))
    return out


def _arguments(schema: dict[str, Any], names: tuple[str, ...], value: str) -> dict[str, Any] | None:
    props = schema.get("properties")
    if not isinstance(props, dict):
        return None
    for name in names:
        if name in props:
            kind = props[name].get("type") if isinstance(props[name], dict) else None
            arg: Any = ["bash", "-lc", value] if kind == "array" else value
            return {name: arg}
    return None


class Script:
    """Decides each model turn from the conversation and the offered tools."""

    def __init__(self, tools: dict[str, str] | None = None) -> None:
        self.tools = tools or {}
        self.requests: list[dict[str, Any]] = []
        """Every request body received (for reports and tests)."""
        self._ids = count(1)

    def _pick(
        self, body: dict[str, Any], role: str, text: str
    ) -> tuple[str, dict[str, Any]] | None:
        pattern = _READ if role == "read" else _SHELL
        names, value = (_PATH_ARGS, "README.md") if role == "read" else (_CMD_ARGS, text)
        for name, schema in _tool_list(body):
            wanted = self.tools.get(role)
            if (wanted and name == wanted) or (not wanted and pattern.match(name)):
                args = _arguments(schema, names, value)
                if args is not None:
                    return name, args
        return None

    def decide(self, last_user: str, after_tool: bool, body: dict[str, Any]) -> tuple[str, Any]:
        """``("text", str)``, ``("slow", str)`` or ``("call", (name, arguments))``."""
        self.requests.append(body)
        if after_tool:
            return "text", "Done."
        if "Take your time" in last_user:
            return "slow", "Working through the files one by one. "
        role, command = ("shell", "sleep 30") if "sleep 30" in last_user else ("read", "")
        picked = self._pick(body, role, command)
        if picked is None and role == "read":  # No read tool: read through the shell.
            role, picked = "read or shell", self._pick(body, "shell", "cat README.md")
        if picked is None:
            return "text", f"Hello. (no {role} tool offered)"
        return "call", picked

    def call_id(self) -> str:
        return f"call_loop_{next(self._ids)}"


def _chat_state(body: dict[str, Any]) -> tuple[str, bool]:
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    last_user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
    content = last_user.get("content")
    if isinstance(content, list):
        content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    after = bool(messages) and messages[-1].get("role") == "tool"
    return str(content or ""), after


def _responses_state(body: dict[str, Any]) -> tuple[str, bool]:
    items = body.get("input")
    if isinstance(items, str):
        return items, False
    items = [i for i in items or [] if isinstance(i, dict)]
    last_user, after = "", False
    for item in items:
        if item.get("role") == "user":
            parts = item.get("content")
            texts = (
                [p.get("text", "") for p in parts if isinstance(p, dict)]
                if isinstance(parts, list)
                else [str(parts)]
            )
            last_user, after = " ".join(str(t) for t in texts), False
        elif item.get("type") in (
            "function_call_output",
            "custom_tool_call_output",
            "local_shell_call_output",
        ):
            after = True
    return last_user, after


class _Handler(BaseHTTPRequestHandler):
    server: LoopbackServer  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"
    _streaming = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        return

    def do_GET(self) -> None:
        self._json({"object": "list", "data": [{"id": "loopback", "object": "model"}]})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        try:
            if self.path.rstrip("/").endswith("/responses"):
                self._responses(body)
            elif self.path.rstrip("/").endswith("/chat/completions"):
                self._chat(body)
            else:
                self._json({"error": {"message": f"no route {self.path}"}}, 404)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the agent hung up (a cancelled turn)

    # -- plumbing -----------------------------------------------------------------------

    def _json(self, doc: Any, status: int = 200) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start_sse(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _event(self, doc: Any, name: str | None = None) -> None:
        if not self._streaming:
            return
        head = f"event: {name}\n" if name else ""
        self.wfile.write(f"{head}data: {json.dumps(doc)}\n\n".encode())
        self.wfile.flush()

    def _pieces(self, kind: str, text: str) -> list[tuple[str, float]]:
        if kind == "slow":
            return [(text, SLOW_GAP)] * SLOW_CHUNKS
        return [(text, 0.0)]

    # -- Chat Completions ---------------------------------------------------------------

    def _chat(self, body: dict[str, Any]) -> None:
        kind, value = self.server.script.decide(*_chat_state(body), body)
        base = {
            "id": "chatcmpl-loop",
            "created": int(time.time()),
            "model": body.get("model", "loopback"),
        }
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        call = None
        if kind == "call":
            name, args = value
            call = {
                "id": self.server.script.call_id(),
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": None if call else value}
            if call:
                message["tool_calls"] = [call]
            choice = {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if call else "stop",
            }
            self._json({**base, "object": "chat.completion", "choices": [choice], "usage": usage})
            return
        self._start_sse()
        chunk = {**base, "object": "chat.completion.chunk"}
        if call:
            delta = {"role": "assistant", "tool_calls": [{"index": 0, **call}]}
            self._event({**chunk, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        else:
            for text, gap in self._pieces(kind, value):
                delta = {"role": "assistant", "content": text}
                self._event(
                    {**chunk, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                )
                time.sleep(gap)
        finish = "tool_calls" if call else "stop"
        self._event(
            {
                **chunk,
                "choices": [{"index": 0, "delta": {}, "finish_reason": finish}],
                "usage": usage,
            }
        )
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    # -- Responses ------------------------------------------------------------------------

    def _responses(self, body: dict[str, Any]) -> None:
        kind, value = self.server.script.decide(*_responses_state(body), body)
        rid = f"resp_loop_{self.server.script.call_id()}"
        response: dict[str, Any] = {
            "id": rid,
            "object": "response",
            "created_at": int(time.time()),
            "status": "in_progress",
            "model": body.get("model", "loopback"),
            "output": [],
        }
        self._streaming = bool(body.get("stream"))
        if self._streaming:
            self._start_sse()
        self._event({"type": "response.created", "response": response}, "response.created")
        if kind == "call":
            name, args = value
            item = {
                "type": "function_call",
                "id": f"fc_{rid}",
                "call_id": self.server.script.call_id(),
                "name": name,
                "arguments": json.dumps(args),
                "status": "completed",
            }
            self._event(
                {
                    "type": "response.output_item.added",
                    "output_index": 0,
                    "item": {**item, "arguments": "", "status": "in_progress"},
                },
                "response.output_item.added",
            )
            self._event(
                {
                    "type": "response.function_call_arguments.done",
                    "item_id": item["id"],
                    "output_index": 0,
                    "arguments": item["arguments"],
                },
                "response.function_call_arguments.done",
            )
        else:
            mid = f"msg_{rid}"
            empty = {
                "type": "message",
                "id": mid,
                "role": "assistant",
                "status": "in_progress",
                "content": [],
            }
            self._event(
                {"type": "response.output_item.added", "output_index": 0, "item": empty},
                "response.output_item.added",
            )
            text = ""
            for piece, gap in self._pieces(kind, value):
                text += piece
                self._event(
                    {
                        "type": "response.output_text.delta",
                        "item_id": mid,
                        "output_index": 0,
                        "content_index": 0,
                        "delta": piece,
                    },
                    "response.output_text.delta",
                )
                time.sleep(gap if self._streaming else 0)
            item = {
                **empty,
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        self._event(
            {"type": "response.output_item.done", "output_index": 0, "item": item},
            "response.output_item.done",
        )
        usage = {
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 15,
        }
        done = {**response, "status": "completed", "output": [item], "usage": usage}
        if not self._streaming:
            self._json(done)
            return
        self._event({"type": "response.completed", "response": done}, "response.completed")


class LoopbackServer(ThreadingHTTPServer):
    """The scripted model's HTTP server; ``with LoopbackServer() as s:`` serves in a thread."""

    daemon_threads = True

    def __init__(self, tools: dict[str, str] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = Script(tools)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def env(self) -> dict[str, str]:
        """What points an OpenAI-compatible agent here."""
        return {
            "OPENAI_BASE_URL": self.base_url,
            "OPENAI_API_KEY": "loopback-key",
            "LOOPBACK_MODEL_URL": self.base_url,
        }
