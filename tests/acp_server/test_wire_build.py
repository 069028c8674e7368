"""``wire.build_all()`` (the warm-up's) builds what is not built and touches nothing else."""

from __future__ import annotations

from acp_server.wire.base import WireModel, build_all


def _models() -> list[type[WireModel]]:
    found, todo = [], list(WireModel.__subclasses__())
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        found.append(model)
    return found


def test_a_second_warm_up_keeps_the_built_serializers() -> None:
    build_all()
    before = {m: m.__pydantic_serializer__ for m in _models()}
    assert all(m.__pydantic_complete__ for m in before)
    build_all()  # Another server's warm-up, in the same process.
    assert all(m.__pydantic_serializer__ is s for m, s in before.items())

