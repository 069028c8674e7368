"""The ``agentica`` command's own front ends: ``agentica chat`` and ``agentica run``.

- ``settings``: flags, environment and the config file the ACP server reads; the agent.
- ``run``: ``agentica run`` / ``agentica --query`` for scripts (plain text or JSON lines).
- ``chat``: the interactive session (``rich`` and ``prompt_toolkit`` when installed,
  the ``cli`` extra; plain ``input()`` and text otherwise).
- ``render``: how a run's events look in the terminal; ``approval``: asking the user.
- ``store``: chats kept in the session store (``agentica.sessions``).

Nothing here imports ``acp_server``; only the command chosen is imported.
"""
