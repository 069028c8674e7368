"""Models: the async ``Model`` interface and its implementations."""
