"""The editor side: fs confinement, local terminals, permission option choice."""

from __future__ import annotations

import os
from pathlib import Path

import anyio
import pytest

from acp_server.harness import ClientSide, RpcFault, choose_option
from acp_server.harness.terminals import trim_to_limit

OPTIONS = [
    {"optionId": "a1", "name": "Always", "kind": "allow_always"},
    {"optionId": "a", "name": "Allow", "kind": "allow_once"},
    {"optionId": "r", "name": "Reject", "kind": "reject_once"},
]


def client_for(root: Path, **kwargs: object) -> ClientSide:
    client = ClientSide(**kwargs)  # type: ignore[arg-type]
    client.session_cwds["s1"] = str(root)
    return client


def test_choose_option_prefers_once_kinds_and_returns_none_without_a_match() -> None:
    assert choose_option(OPTIONS, "allow") == "a"
    assert choose_option(OPTIONS, "reject") == "r"
    assert choose_option(OPTIONS[:2], "reject") is None
    assert choose_option("not a list", "allow") is None


async def test_reject_policy_without_a_reject_option_answers_cancelled(tmp_path: Path) -> None:
    client = client_for(tmp_path, permissions="reject")
    params = {"sessionId": "s1", "toolCall": {"toolCallId": "t"}, "options": OPTIONS[:2]}
    assert await client.handle("session/request_permission", params) == {
        "outcome": {"outcome": "cancelled"}
    }


async def test_read_text_file_honours_line_and_limit(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("one\ntwo\nthree\nfour\n")
    client = client_for(tmp_path)
    params = {"sessionId": "s1", "path": str(tmp_path / "f.txt"), "line": 2, "limit": 2}
    assert await client.handle("fs/read_text_file", params) == {"content": "two\nthree\n"}


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/etc/passwd", -32602),
        ("relative.txt", -32602),
        ("{root}/missing.txt", -32002),
        ("{root}/link/secret", -32602),
    ],
    ids=["outside", "relative", "missing", "symlink-escape"],
)
async def test_read_text_file_refuses_paths_outside_the_session(
    tmp_path: Path, path: str, code: int
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret").write_text("s")
    os.symlink(tmp_path / "outside", root / "link")
    client = client_for(root)
    with pytest.raises(RpcFault) as info:
        await client.handle(
            "fs/read_text_file", {"sessionId": "s1", "path": path.format(root=root)}
        )
    assert info.value.code == code


async def test_write_text_file_creates_the_file_and_its_parents(tmp_path: Path) -> None:
    client = client_for(tmp_path)
    target = tmp_path / "new" / "dir" / "file.txt"
    params = {"sessionId": "s1", "path": str(target), "content": "hé\n"}
    assert await client.handle("fs/write_text_file", params) == {}
    assert target.read_text(encoding="utf-8") == "hé\n"


async def test_fs_requests_are_method_not_found_when_fs_is_off(tmp_path: Path) -> None:
    client = client_for(tmp_path, fs=False)
    assert client.capabilities()["fs"] == {"readTextFile": False, "writeTextFile": False}
    with pytest.raises(RpcFault) as info:
        await client.handle("fs/read_text_file", {"sessionId": "s1", "path": str(tmp_path)})
    assert info.value.code == -32601


def test_trim_to_limit_drops_from_the_start_at_a_character_boundary() -> None:
    data = bytearray("aé€z".encode())  # 1 + 2 + 3 + 1 bytes
    assert trim_to_limit(data, 5) is True
    assert data.decode() == "€z"  # the cut moved past the continuation bytes
    assert trim_to_limit(data, 10) is False


async def test_terminal_runs_locally_with_output_limit_and_exit_status(tmp_path: Path) -> None:
    client = client_for(tmp_path)
    async with anyio.create_task_group() as tg:
        client.start(tg)
        created = await client.handle(
            "terminal/create",
            {"sessionId": "s1", "command": "printf 'héllo wörld'; exit 3", "outputByteLimit": 5},
        )
        ids = {"sessionId": "s1", "terminalId": created["terminalId"]}
        with anyio.fail_after(10):
            assert await client.handle("terminal/wait_for_exit", ids) == {
                "exitCode": 3,
                "signal": None,
            }
        output = await client.handle("terminal/output", ids)
        assert output == {
            "output": "örld",  # the last 5 bytes
            "truncated": True,
            "exitStatus": {"exitCode": 3, "signal": None},
        }
        assert await client.handle("terminal/release", ids) == {}
        with pytest.raises(RpcFault):
            await client.handle("terminal/output", ids)


async def test_terminal_kill_stops_the_command_and_keeps_the_id(tmp_path: Path) -> None:
    client = client_for(tmp_path)
    async with anyio.create_task_group() as tg:
        client.start(tg)
        created = await client.handle(
            "terminal/create", {"sessionId": "s1", "command": "sleep", "args": ["30"]}
        )
        ids = {"sessionId": "s1", "terminalId": created["terminalId"]}
        assert "exitStatus" not in await client.handle("terminal/output", ids)
        assert await client.handle("terminal/kill", ids) == {}
        with anyio.fail_after(10):
            status = await client.handle("terminal/wait_for_exit", ids)
        assert status == {"exitCode": None, "signal": "SIGKILL"}
        await client.handle("terminal/release", ids)
