"""The server process over real pipes: stdout guard, big lines, EOF and SIGTERM shutdown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import Process

from acp_server.fdstreams import FdReceiveStream, FdSendStream

ROOT = Path(__file__).resolve().parents[2]

TEST_HANDLERS = textwrap.dedent(
    """
    import os
    import subprocess
    import sys

    import anyio

    from acp_server.connection import SimpleHandlers

    print("stray print while importing the handlers")


    def build(conn, config):
        async def echo(params):
            return params

        async def noisy(params):
            print("stray print from a handler")
            os.write(1, b"raw write to fd 1\\n")
            subprocess.run([sys.executable, "-c", "print('child process output')"], check=True)
            return {"ok": True}

        async def size(params):
            return len(params["text"])

        async def settings(params):
            return {"model": config.model, "max_turns": config.max_turns}

        async def ask(params):
            return await conn.request("client/method", {})

        async def slow(params):
            await anyio.sleep_forever()

        class Handlers(SimpleHandlers):
            async def aclose(self):
                sys.stderr.write("handlers closed\\n")
                sys.stderr.flush()

        return Handlers(
            requests={
                "echo": echo, "noisy": noisy, "size": size, "settings": settings,
                "ask": ask, "slow": slow,
            }
        )
    """
)


class Server:
    """A spawned ``python -m acp_server``: line-oriented stdio access."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self._buffer = b""

    async def send(self, message: Any) -> None:
        await self.send_raw(json.dumps(message).encode() + b"\n")

    async def send_raw(self, data: bytes) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send(data)

    async def close_stdin(self) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.aclose()

    async def request(self, request_id: Any, method: str, params: Any = None) -> None:
        await self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})

    async def receive(self) -> Any:
        assert self.process.stdout is not None
        with anyio.fail_after(10):
            while b"\n" not in self._buffer:
                self._buffer += await self.process.stdout.receive()
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    async def finish(self) -> tuple[int, bytes, bytes]:
        """Wait for exit (bounded); return (exit code, rest of stdout, all of stderr)."""
        assert self.process.stdout is not None and self.process.stderr is not None
        out, err = bytearray(self._buffer), bytearray()
        with anyio.fail_after(10):
            async with anyio.create_task_group() as tg:

                async def drain(stream: Any, into: bytearray) -> None:
                    async for chunk in stream:
                        into.extend(chunk)

                tg.start_soon(drain, self.process.stdout, out)
                tg.start_soon(drain, self.process.stderr, err)
            code = await self.process.wait()
        return code, bytes(out), bytes(err)


@asynccontextmanager
async def spawn(*args: str, handlers: Path | None = None) -> AsyncIterator[Server]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(handlers or ROOT)])}
    env.pop("AGENTICA_CONFIG", None)
    env["XDG_CONFIG_HOME"] = str(handlers or ROOT / "nonexistent")
    command = [sys.executable, "-m", "acp_server", *args]
    if handlers is not None:  # The test hook lives in tests/serve_hooked.py.
        command = [sys.executable, str(ROOT / "tests" / "serve_hooked.py"), *args]
        command += ["--handlers", "acp_test_handlers:build"]
    process = await anyio.open_process(command, env=env, cwd=ROOT, start_new_session=True)
    try:
        yield Server(process)
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
            with anyio.move_on_after(5):
                await process.wait()
        await process.aclose()


@pytest.fixture
def handlers_dir(tmp_path: Path) -> Path:
    (tmp_path / "acp_test_handlers.py").write_text(TEST_HANDLERS)
    return tmp_path


async def test_server_keeps_stray_output_off_the_protocol_stream(handlers_dir: Path) -> None:
    async with spawn(handlers=handlers_dir) as server:
        await server.send_raw(b"not json\n")
        assert (await server.receive())["error"]["code"] == -32700
        await server.request(1, "noisy", {})
        assert await server.receive() == {"jsonrpc": "2.0", "id": 1, "result": {"ok": True}}
        await server.close_stdin()
        code, out, err = await server.finish()
    assert code == 0
    assert out == b""
    for text in (
        b"stray print while importing",
        b"stray print from a handler",
        b"raw write to fd 1",
        b"child process output",
        b"handlers closed",
    ):
        assert text in err


async def test_server_reads_a_50_mb_line_from_a_pipe(handlers_dir: Path) -> None:
    text = "é" * (25 * 1024 * 1024)  # 50 MB of UTF-8.
    line = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "size", "params": {"text": text}},
        ensure_ascii=False,
    ).encode()
    async with spawn(handlers=handlers_dir) as server:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.send_raw, line + b"\n")
            response = await server.receive()
        assert response == {"jsonrpc": "2.0", "id": 1, "result": len(text)}


async def test_server_exits_cleanly_on_stdin_eof(handlers_dir: Path) -> None:
    async with spawn(handlers=handlers_dir) as server:
        await server.request(1, "echo", {"a": 1})
        assert (await server.receive())["result"] == {"a": 1}
        await server.close_stdin()
        code, out, err = await server.finish()
    assert (code, out) == (0, b"")
    assert b"handlers closed" in err


async def test_server_shuts_down_on_sigterm_answering_running_requests(
    handlers_dir: Path,
) -> None:
    async with spawn(handlers=handlers_dir) as server:
        await server.request("long", "slow", {})
        await server.request("ask", "ask", {})
        outgoing = await server.receive()
        assert outgoing["method"] == "client/method"
        server.process.send_signal(signal.SIGTERM)
        responses = {(m := await server.receive())["id"]: m for _ in range(2)}
        code, out, err = await server.finish()
    assert code == 0
    assert out == b""
    assert responses["long"]["error"]["code"] == -32800
    assert responses["ask"]["error"]["code"] == -32603  # ConnectionClosed from conn.request
    assert b"handlers closed" in err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
async def test_a_signal_before_the_first_message_is_a_clean_exit(signum: int) -> None:
    async with spawn("--model", "demo", "--log-level", "DEBUG") as server:
        assert server.process.stderr is not None
        err = b""
        with anyio.fail_after(10):
            while b"waiting for the first message" not in err:
                err += await server.process.stderr.receive()
        server.process.send_signal(signum)
        with anyio.fail_after(2):  # A real limit: the user waits for this.
            code, out, rest = await server.finish()
    assert (code, out) == (0, b"")
    assert b"stopped before the first message" in rest
    assert b"Traceback" not in err + rest


async def test_server_passes_its_settings_to_the_handlers(handlers_dir: Path) -> None:
    async with spawn("--model", "test/model", "--max-turns", "7", handlers=handlers_dir) as server:
        await server.request(1, "settings", {})
        assert (await server.receive())["result"] == {"model": "test/model", "max_turns": 7}


async def test_real_server_answers_initialize_with_protocol_version_1() -> None:
    async with spawn("--model", "demo") as server:
        await server.request(0, "initialize", {"protocolVersion": 1, "clientCapabilities": {}})
        response = await server.receive()
        assert response["id"] == 0
        assert response["result"]["protocolVersion"] == 1
        await server.request(1, "nope/nope", {})
        assert (await server.receive())["error"]["code"] == -32601
        await server.close_stdin()
        code, out, _ = await server.finish()
    assert (code, out) == (0, b"")


async def test_fd_streams_carry_bytes_through_a_pipe_until_eof() -> None:
    read_fd, write_fd = os.pipe()
    reader, writer = FdReceiveStream(read_fd), FdSendStream(write_fd)
    try:
        with anyio.fail_after(5):
            await writer.send(b"hello\n" * 1000)
            received = b""
            while len(received) < 6000:
                received += await reader.receive()
            assert received == b"hello\n" * 1000
            os.close(write_fd)
            write_fd = -1
            with pytest.raises(anyio.EndOfStream):
                await reader.receive()
    finally:
        await reader.aclose()
        await writer.aclose()
        os.close(read_fd)
        if write_fd >= 0:
            os.close(write_fd)


async def test_server_logs_to_the_log_file_not_stderr(handlers_dir: Path, tmp_path: Path) -> None:
    log_file = tmp_path / "acp.log"
    args = ("--log-level", "debug", "--log-file", str(log_file))
    async with spawn(*args, handlers=handlers_dir) as server:
        await server.send_raw(b"{broken\n")
        assert (await server.receive())["error"]["code"] == -32700
        await server.close_stdin()
        code, out, err = await server.finish()
    assert (code, out) == (0, b"")
    log = log_file.read_text()
    assert "unparsable input line" in log
    assert b"unparsable input line" not in err


def test_claim_stdio_reserves_fds_and_release_restores_them() -> None:
    code = textwrap.dedent(
        """
        import os, subprocess, sys
        from acp_server.stdio import claim_stdio, release_stdio

        fds = claim_stdio()
        print("stray print")
        os.write(1, b"raw fd 1\\n")
        child = "import sys; print('child'); print(repr(sys.stdin.read()))"
        subprocess.run([sys.executable, "-c", child])
        os.write(fds.stdout, b"protocol\\n")
        assert os.read(fds.stdin, 100) == b"client input\\n"
        release_stdio(fds)
        print("restored")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=b"client input\n",
        capture_output=True,
        timeout=30,
        env=env,
        check=True,
    )
    assert result.stdout == b"protocol\nrestored\n"
    assert b"stray print\nraw fd 1\nchild\n''\n" in result.stderr
