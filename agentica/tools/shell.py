"""The ``execute`` tool's logic: run a command in the workspace and report how it ended."""

from __future__ import annotations

from agentica.events import TerminalContent, TextContent, ToolContent
from agentica.exceptions import ToolError
from agentica.tools.base import ToolResult
from agentica.workspace.base import CommandResult, Workspace, check_timeout


async def execute(
    ws: Workspace, command: str, timeout: float, output_limit: int | None = None
) -> ToolResult:
    """See ``WorkspaceTools.execute``."""
    if not command.strip():
        raise ToolError("command is empty; give a shell command line such as `ls -la`")
    check_timeout(timeout)
    if output_limit is None:
        result = await ws.run_command(command, timeout=timeout)
    else:
        result = await ws.run_command(command, timeout=timeout, output_limit=output_limit)
    text = format_result(result, timeout)
    content: tuple[ToolContent, ...]
    if result.terminal_id is not None:
        content = (TerminalContent(terminal_id=result.terminal_id),)
    else:
        content = (TextContent(text=text),)
    return ToolResult(
        text=text,
        content=content,
        raw_output={
            "exit_code": result.exit_code,
            "signal": result.signal,
            "timed_out": result.timed_out,
            "truncated": result.truncated,
        },
    )


def format_result(result: CommandResult, timeout: float) -> str:
    """The command's output followed by a bracketed status line the model can rely on."""
    parts: list[str] = []
    if result.truncated:
        parts.append("[output truncated: only the last part of the output is shown]")
    output = result.output.rstrip("\n")
    parts.append(output if output else "(no output)")
    if result.timed_out:
        parts.append(
            f"[timed out after {timeout:g} seconds; the command and its child processes were "
            "killed. Pass a larger timeout, or run long jobs in the background with output "
            "redirected to a file.]"
        )
    elif result.signal:
        parts.append(f"[killed by {result.signal}]")
    else:
        parts.append(f"[exit code {result.exit_code}]")
    return "\n".join(parts)
