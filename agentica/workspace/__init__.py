"""Workspaces: where file and shell tools act."""
