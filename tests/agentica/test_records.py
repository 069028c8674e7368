"""``@record`` behaves as ``@dataclass(frozen=True, slots=True)`` does, and is cheap to define."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest

from agentica._records import record


def _pair(kw_only: bool = True, **options: bool) -> tuple[Any, Any]:
    """The same class twice: as a stdlib dataclass, and as a record (frozen and slotted
    unless ``options`` say otherwise)."""

    def body() -> dict[str, Any]:
        return {
            "__annotations__": {"a": "int", "b": "str", "c": "list[int]", "hidden": "int",
                                "quiet": "str", "loose": "float", "derived": "int"},
            "b": "x",
            "c": field(default_factory=list),
            "hidden": field(default=7, init=False),
            "quiet": field(default="q", repr=False),
            "loose": field(default=0.5, compare=False),
            "derived": field(default=0, init=False),
            "__post_init__": lambda self: object.__setattr__(self, "derived", self.a * 2),
        }  # fmt: skip

    pair = []
    chosen = {"frozen": True, "slots": True, **options}
    tag = ("Kw" if kw_only else "Pos") + "".join(f"{k}{int(v)}" for k, v in options.items())
    for name, make in (("Std", dataclass(kw_only=kw_only, **chosen)),
                       ("Ours", record(kw_only=kw_only, **chosen))):
        name = f"{name}{tag}"
        cls = make(type(name, (), {**body(), "__module__": __name__}))
        globals()[name] = cls  # (pickle finds classes by name)
        pair.append(cls)
    return pair[0], pair[1]


@pytest.mark.parametrize("kw_only", [True, False])
def test_a_record_is_what_a_frozen_slotted_dataclass_is(kw_only: bool) -> None:
    std, ours = _pair(kw_only)
    for cls in (std, ours):
        one, same, other = cls(a=1, c=[1]), cls(a=1, c=[1]), cls(a=2)
        assert dataclasses.is_dataclass(one)
        assert one == same and one != other and one != "x"
        assert cls(a=1, loose=9.0) == cls(a=1)  # compare=False
        assert one.hidden == 7 and one.derived == 2 and cls(a=1).c is not cls(a=1).c
        with pytest.raises(dataclasses.FrozenInstanceError):
            one.a = 3  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            del one.a  # type: ignore[misc]
        assert not hasattr(one, "__dict__")
        for again in (pickle.loads(pickle.dumps(one)), copy.copy(one), copy.deepcopy(one)):
            assert again == one and again.derived == 2
        assert dataclasses.replace(one, a=5).derived == 10
        assert dataclasses.asdict(one)["c"] == [1]
        assert cls.__dataclass_params__.frozen
        with pytest.raises(TypeError, match="hidden"):
            cls(a=1, hidden=2)
        with pytest.raises(TypeError, match="'a'"):
            cls()
    with pytest.raises(AttributeError):  # (3.11's own raises TypeError here: a bug.)
        ours(a=1).new = 1
    shown = repr(ours(a=1, c=[1]))
    assert shown.startswith(ours.__qualname__ + "(a=1, b='x', c=[1], hidden=7, loose=0.5")
    assert shown.removeprefix(ours.__qualname__) == repr(std(a=1, c=[1])).removeprefix(
        std.__qualname__
    )
    assert hash(ours(a=1, c=())) == hash(ours(a=1, c=()))  # type: ignore[arg-type]
    assert [f.name for f in dataclasses.fields(ours)] == [f.name for f in dataclasses.fields(std)]
    assert ours.__match_args__ == std.__match_args__
    # An undocumented class gets dataclass's signature docstring (not computed by inspect).
    assert ours.__doc__.removeprefix(ours.__name__) == std.__doc__.removeprefix(std.__name__)
    if kw_only:
        with pytest.raises(TypeError):
            ours(1)
    else:
        assert ours(1, "y") == ours(a=1, b="y")


def test_a_record_built_on_a_record_and_a_plain_subclass() -> None:
    @record
    class Base:
        x: int
        tag: str = "base"

    @record
    class Child(Base):
        y: int = 0

    class Plain(Base):
        def double(self) -> int:
            return self.x * 2

    child = Child(x=1, y=2)
    assert (child.x, child.y, child.tag) == (1, 2, "base")
    assert repr(child).endswith(".<locals>.Child(x=1, tag='base', y=2)")
    assert Child(x=1, y=2) == child and Base(x=1) != child
    assert Plain(x=3).double() == 6
    assert Base(x=3) != Plain(x=3)  # Classes differ, as with dataclass.


def test_positional_fields_keep_defaults_last() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @record(kw_only=False)
        class Bad:
            a: int = 0
            b: int


def test_defining_a_record_compiles_nothing_until_it_is_built() -> None:
    compiled: list[str] = []
    real = dataclasses._create_fn  # type: ignore[attr-defined]

    def spy(name: str, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name)
        return real(name, *args, **kwargs)

    dataclasses._create_fn = spy  # type: ignore[attr-defined]
    try:

        @record
        class Quiet:
            a: int
            b: list[int] = field(default_factory=list)

    finally:
        dataclasses._create_fn = real  # type: ignore[attr-defined]
    assert compiled == []
    assert Quiet(a=1) == Quiet(a=1, b=[])


@pytest.mark.parametrize(
    "options",
    [{"frozen": False}, {"frozen": False, "slots": False}, {"slots": False},
     {"frozen": False, "slots": False, "eq": False}, {"frozen": False, "eq": False}],
    ids=["mutable", "mutable-dict", "frozen-dict", "identity", "identity-slots"],
)
def test_a_record_with_options_is_what_that_dataclass_is(options: dict[str, bool]) -> None:
    std, ours = _pair(True, **options)
    for cls in (std, ours):
        one = cls(a=1, c=[1])
        assert cls.__dataclass_params__.frozen == options.get("frozen", True)
        assert hasattr(one, "__dict__") == (options.get("slots") is False)
        if options.get("eq", True):
            assert one == cls(a=1, c=[1]) and one != cls(a=2)
        else:
            assert one != cls(a=1, c=[1]) and one == one
        if options.get("frozen", True):
            with pytest.raises(dataclasses.FrozenInstanceError):
                one.a = 2  # type: ignore[misc]
            assert hash(cls(a=1, c=())) == hash(cls(a=1, c=()))
        else:
            one.a = 5
            assert one.a == 5 and one.derived == 2  # (post_init ran once, at init)
            if options.get("eq", True):
                with pytest.raises(TypeError, match="unhashable"):
                    hash(one)
            else:
                assert hash(one) == object.__hash__(one)
        for again in (pickle.loads(pickle.dumps(one)), copy.deepcopy(one)):
            assert dataclasses.asdict(again) == dataclasses.asdict(one)
        assert dataclasses.replace(one, a=3).derived == 6
    shown = repr(ours(a=1))
    assert shown.removeprefix(ours.__qualname__) == repr(std(a=1)).removeprefix(std.__qualname__)


def test_a_generic_record() -> None:
    from typing import Generic, TypeVar

    T = TypeVar("T")

    @record(frozen=False, slots=False)
    class Box(Generic[T]):
        value: T
        note: str = ""

    box: Box[int] = Box(value=3)
    box.note = "three"
    assert box == Box(value=3, note="three") and Box[int](value=1).value == 1
