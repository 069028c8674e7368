"""What each ACP session holds: its tools' schemas and argument models are shared."""

from __future__ import annotations

from fake_client import FakeClient

from acp_server.agent import AcpAgent
from acp_server.config import ServerConfig
from acp_server.router import AcpRouter
from agentica.testing import FunctionModel


async def test_two_sessions_share_their_tools_schemas_and_argument_models(tmp_path):
    agent = AcpAgent(
        FakeClient(),
        ServerConfig(model="demo"),
        model_factory=lambda: FunctionModel(lambda messages, tools: "ok"),
    )
    router = AcpRouter(agent)
    await router.requests["initialize"]({"protocolVersion": 1, "clientCapabilities": {}})
    sids = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        new = await router.requests["session/new"]({"cwd": str(tmp_path / name), "mcpServers": []})
        sids.append(new["sessionId"])
    one, two = (agent.sessions.get(sid).agent for sid in sids)
    assert one is not None and two is not None
    assert len(one.functions) >= 5
    for f, g in zip(one.functions, two.functions, strict=True):
        assert f.name == g.name
        assert f.args_model is g.args_model, f.name
        assert f.parameters is g.parameters, f.name
