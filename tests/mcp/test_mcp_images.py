"""Images an MCP tool returns reach the model (as a user message after the tool messages)."""

from __future__ import annotations

import base64
import io
import sys
from pathlib import Path

import anyio

from agentica import Agent
from agentica.events import ImageContent, TextContent
from agentica.messages import ImagePart, Message, MessageList, TextPart, ToolCall
from agentica.models._openai_parts import to_chat_messages
from agentica.models.openai import OpenAIChat
from agentica.printer import print_response
from agentica.testing import MockReply, OpenAIMock, ScriptedModel, tool_call
from agentica.tools.base import ToolResult
from agentica.tools.decorator import tool

SERVER = str(Path(__file__).resolve().parent / "mcp_test_server.py")
sys.path.insert(0, str(Path(SERVER).parent))
from mcp_test_server import PNG  # noqa: E402


def model(mock: OpenAIMock, **kwargs) -> OpenAIChat:
    return OpenAIChat(
        "gpt-test", base_url="http://mock/v1", http_client=mock.http_client(),
        api_key="sk-test", max_retries=0, **kwargs,
    )


def agent_with_server(mock: OpenAIMock, tmp_path: Path, **kwargs) -> Agent:
    from agentica.mcp import MCPServerStdio

    server = MCPServerStdio(
        "t", sys.executable, (SERVER, "--name", "t"), env={"MCP_TEST_LOG": str(tmp_path / "l")}
    )
    return Agent(model=model(mock, **kwargs), mcp_servers=[server])


async def test_the_models_next_request_carries_the_image_an_mcp_tool_returned(tmp_path):
    mock = OpenAIMock([
        MockReply(tool_calls=[("c1", "mcp__t__image", {}), ("c2", "mcp__t__echo", {"text": "x"})]),
        MockReply(text="a red pixel"),
    ])
    agent = agent_with_server(mock, tmp_path, supports_images=True)
    with anyio.fail_after(30):
        async with agent:
            result = await agent.run("look")
    assert result.content == "a red pixel"
    sent = mock.bodies[1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool", "user"]
    # Every call keeps exactly one text tool message; the image follows them all.
    assert [m["tool_call_id"] for m in sent if m["role"] == "tool"] == ["c1", "c2"]
    assert sent[2]["content"] == "a pixel\n[image: image/png, 66 bytes]"
    parts = sent[4]["content"]
    assert parts[0]["type"] == "text" and "c1" in parts[0]["text"]
    assert parts[1] == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}}
    # The history keeps the image, and it survives a JSON round trip.
    (tool_msg,) = [m for m in result.new_messages if m.tool_call_id == "c1"]
    again = MessageList.validate_json(MessageList.dump_json([tool_msg]))[0]
    assert again.content == [TextPart(text="a pixel\n[image: image/png, 66 bytes]"),
                             ImagePart(data=PNG, mime_type="image/png")]


async def test_a_model_without_images_gets_only_the_text(tmp_path):
    mock = OpenAIMock([MockReply(tool_calls=[("c1", "mcp__t__image", {})]), MockReply(text="ok")])
    agent = agent_with_server(mock, tmp_path, supports_images=False)
    with anyio.fail_after(30):
        async with agent:
            await agent.run("look")
    sent = mock.bodies[1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert "image_url" not in str(sent)


def test_images_of_several_tool_turns_each_follow_their_own_tool_messages():
    img = ImagePart(data="AAAA", mime_type="image/jpeg")
    history = [
        Message.user("go"),
        Message.assistant(tool_calls=[ToolCall(id="a", name="shot"), ToolCall(id="b", name="ls")]),
        Message.tool("a", "shot", "screen", images=[img]),
        Message.tool("b", "ls", "files"),
        Message.assistant(tool_calls=[ToolCall(id="c", name="shot")]),
        Message.tool("c", "shot", "again", images=[img, img]),
    ]
    out = to_chat_messages(history)
    assert [m["role"] for m in out] == [
        "user", "assistant", "tool", "tool", "user", "assistant", "tool", "user"
    ]
    assert out[2] == {"role": "tool", "tool_call_id": "a", "content": "screen"}
    assert [p["type"] for p in out[4]["content"]] == ["text", "image_url"]
    assert out[4]["content"][1]["image_url"]["url"] == "data:image/jpeg;base64,AAAA"
    assert [p["type"] for p in out[7]["content"]] == ["text", "image_url", "image_url"]
    assert len(to_chat_messages(history, images=False)) == 6


async def test_a_python_tool_can_return_images_and_the_printer_shows_a_placeholder():
    @tool
    def shot() -> ToolResult:
        """Take a screenshot."""
        image = ImageContent(data=base64.b64encode(b"12345678").decode(), mime_type="image/png")
        return ToolResult(text="the screen", content=(TextContent(text="the screen"), image),
                          images=(image,))

    model = ScriptedModel([ScriptedModel.tool_calls(tool_call("shot", {}, id="s")), "seen"])
    agent = Agent(model=model, tools=[shot])
    out = io.StringIO()
    result = await print_response(agent, "look", file=out, color=False)
    assert result.content == "seen"
    tool_msg = model.calls[1].messages[-1]
    assert tool_msg.role == "tool" and tool_msg.text == "the screen"
    assert isinstance(tool_msg.content, list) and isinstance(tool_msg.content[1], ImagePart)
    assert "[image: image/png, 8 bytes]" in out.getvalue()
