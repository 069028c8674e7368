"""Run ``acp-harness check --loopback`` against real, independently written ACP agents.

    python benchmarks/check_real_agents.py [--fast-agent PATH] [--codex-acp PATH]

fast-agent (PyPI ``fast-agent-mcp``, Python >= 3.13): ``fast-agent-acp`` with a
``fastagent.config.yaml`` whose ``openai.base_url`` is ``${LOOPBACK_MODEL_URL}`` (the
harness sets it). codex-acp (npm ``@zed-industries/codex-acp``): a custom model provider
given with ``-c`` options, its ``base_url`` the ``{loopback_url}`` placeholder, speaking the
Responses API; ``CODEX_HOME`` is a fresh directory. Each agent's report is written to
``--out DIR`` as JSON; the script prints every FAIL and WARN with its reason.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

FAST_AGENT_CONFIG = """\
default_model: openai.gpt-4.1-mini
openai:
  api_key: loopback-key
  base_url: ${LOOPBACK_MODEL_URL}
logger:
  level: error
  progress_display: false
  show_chat: false
  show_tools: false
"""
CODEX_PROVIDER = (
    'model_providers.loop={name="loop", base_url="{loopback_url}", wire_api="responses", '
    'env_key="OPENAI_API_KEY"}'
)


def _check(name: str, argv: list[str], env: list[str], out: Path) -> None:
    report = out / f"{name}.json"
    harness = [sys.executable, "-m", "acp_server.harness", "check", "--loopback"]
    cmd = [*harness, "--timeout", "20", "--json", str(report), *env, "--", *argv]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    if not report.exists():
        print(f"{name}: no report (exit {done.returncode}): {done.stderr.strip()[-400:]}")
        return
    doc = json.loads(report.read_text())
    agent = doc["summary"]
    print(f"{name}: exit {done.returncode}; {agent}")
    for check in doc["checks"]:
        if check["status"] in ("FAIL", "WARN"):
            print(f"  {check['status']} {check['id']} ({check['level']}): {check['reason'][:240]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fast-agent", default="fast-agent-acp", help="the fast-agent-acp command")
    parser.add_argument("--codex-acp", default="codex-acp", help="the codex-acp command")
    parser.add_argument("--out", default=None, help="where to write the JSON reports")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="real-agents-") as tmp:
        out = Path(args.out or tmp)
        out.mkdir(parents=True, exist_ok=True)
        config = Path(tmp) / "fastagent.config.yaml"
        config.write_text(FAST_AGENT_CONFIG)
        fast = [args.fast_agent, "-c", str(config), "--model", "openai.gpt-4.1-mini"]
        _check("fast-agent", fast, [], out)
        home = Path(tmp) / "codex-home"
        home.mkdir()
        codex = [args.codex_acp, "-c", "model_provider=loop", "-c", CODEX_PROVIDER]
        _check(
            "codex-acp", [*codex, "-c", "model=gpt-5-codex"], ["--env", f"CODEX_HOME={home}"], out
        )


if __name__ == "__main__":
    main()
