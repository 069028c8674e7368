"""Tools: function tools, the parallel call runner and the built-in workspace tools."""
