"""The base of every wire model, and ``parse()`` / ``dump()`` at the JSON boundary.

Our own pydantic models instead of the SDK's generated ones: camelCase aliases,
``_meta`` allowed everywhere, unknown keys ignored, and dumped by alias without
``None``s (``dump()``). Incoming params go through ``parse()``, which turns a pydantic
validation error into a JSON-RPC -32602 with a readable message.

Leniency follows the reference implementation: ``mcpServers`` may be missing (read as
``[]``), optional fields with bad values are not worth rejecting a request for, but a
malformed *required* field (``prompt: "hi"``, a text block without ``text``, a string
``protocolVersion``) is -32602.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from acp_server.errors import RpcError
from agentica.exceptions import format_validation_error


class WireModel(BaseModel):
    """Base of every wire model: camelCase aliases, ``_meta`` kept, unknown keys ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        defer_build=True,
    )
    __method__: ClassVar[str] = ""
    """What the params are for, in error messages ("session/new"); default: the class name."""
    meta: dict[str, Any] | None = Field(
        default=None, validation_alias=AliasChoices("_meta"), serialization_alias="_meta"
    )


def dump(model: BaseModel) -> dict[str, Any]:
    """The model as a JSON-able dict: by alias, ``None`` fields left out."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


M = TypeVar("M", bound="WireModel")


def parse(model: type[M], params: Any) -> M:
    """Validate incoming params, or raise ``RpcError.invalid_params`` naming the problem."""
    if params is None:
        params = {}
    try:
        return model.model_validate(params)
    except ValidationError as e:
        problems = format_validation_error(e, root="params", limit=5)
        raise RpcError.invalid_params(
            f"invalid params for {model.__method__ or model.__name__}: {problems}",
            data={"errors": e.errors(include_url=False, include_context=False)[:5]},
        ) from None


def build_all() -> None:
    """Build every wire model's validator and serializer now (``defer_build`` otherwise
    builds each on first use, in the middle of a prompt); the warm-up calls this.

    Models already built are left alone: rebuilding one (``force=True``) swaps its
    serializer while other threads may be dumping with it (servers in one process), and
    such a dump came out empty."""
    todo = list(WireModel.__subclasses__())
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        model.model_rebuild()


__all__ = ["WireModel", "build_all", "dump", "parse"]
