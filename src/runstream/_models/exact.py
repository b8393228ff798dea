"""Exact conversion of the server's whole objects: every key kept, none invented.

A msgspec Struct encodes every field it declares and nothing else, so a Struct decoded from
an object that lacks a documented key (a run step without ``metadata``) would invent it, and
one with a key runstream does not know (``usage.prompt_token_details.cached_tokens`` before
it was typed) would drop it. Whole objects (runs, run steps, messages, threads) are few per
run, so for them the JSON is walked once here and every object becomes an instance of a
*shape class*: a subclass of its documented Struct made for the set of keys the server sent.
In a shape class

- the keys the server sent are required fields, so they always encode;
- documented keys the server left out keep their usual default (reading them gives ``None``,
  ``""``, ``[]``, an empty nested object) and are omitted when encoding (``omit_defaults``),
  unless something set them;
- unknown keys are extra fields of type ``Any`` (attributes ``extra_0``, ...), encoded under
  their own names and read with `extra_fields`.

Instances are still instances of the documented class (``isinstance(step, RunStep)``), so
typed code, narrowing and ``msgspec.structs.replace`` work unchanged. Deltas never come
here: they are decoded by the plain typed decoders, on the hot path (their members unknown to
this version are found by `_models/unknown_members.py`).
"""

from __future__ import annotations

import functools
import re
import types
import typing
from typing import Any, Union

import msgspec

from .base import UnknownObject
from .complete_types import NOT_COMPLETE, complete_type, convert_complete
from .conversion import convert
from .lenient import located, union_list, union_structs
from .message import Message
from .run import Run
from .run_step import RunStep
from .thread import Thread

__all__ = [
    "UNNAMEABLE",
    "WHOLE_OBJECTS",
    "convert_exact",
    "decode_exact",
    "extra_fields",
    "struct_fields",
]

#: The objects the server sends whole (in whole-object events and from the REST endpoints):
#: converted exactly. Deltas, the many, take the plain typed decoders.
WHOLE_OBJECTS = (Run, RunStep, Message, Thread)

#: How many shape classes are kept; a hostile server sending endless new keys cannot make
#: memory grow beyond this many classes (an evicted class lives on in its instances).
_MAX_SHAPES = 512
#: Characters msgspec refuses in a field's encode name: a member named with one cannot be kept.
UNNAMEABLE = re.compile(r'["\\\x00-\x1f]')


def extra_fields(obj: Any) -> dict[str, Any]:
    """The members of a whole object that its class does not declare, by their JSON names,
    in the order the server sent them (an empty dict if there are none).

    Examples:
        >>> from runstream import RunStep, decode_event, extra_fields
        >>> event = decode_event("thread.run.step.created", '{"id": "step_1", "x_trace": "t1"}')
        >>> extra_fields(event.data)
        {'x_trace': 't1'}
    """
    names = getattr(type(obj), "__extra_fields__", None)
    if not names:
        return {}
    return {wire: getattr(obj, attribute) for attribute, wire in names}


def convert_exact(value: Any, annotation: Any) -> Any:
    """Convert decoded JSON ``value`` to ``annotation`` keeping exactly the keys it has.

    Union elements of an unknown ``type`` become `UnknownObject` (the raw object).

    Raises:
        msgspec.ValidationError: a documented field has the wrong type; the message ends
            with the JSON path of the field.
    """
    converted = _convert_complete(value, annotation)
    if converted is not _NOT_COMPLETE:
        return converted
    return _convert(value, annotation, "$")


def decode_exact(data: str | bytes, struct: type[msgspec.Struct]) -> Any:
    """``convert_exact(msgspec.json.decode(data), struct)`` for the JSON of a whole object.

    The usual object (its own keys may differ from its class's, everything inside it has
    exactly its documented keys) is decoded straight from the JSON: one pass reads its
    top-level keys, leaving their values undecoded; then the JSON is decoded to the complete
    variant of its shape, which checks it, and to the shape itself. No dict or list of the
    plain JSON is built. That matters for a ``requires_action`` run repeating 10,000 calls:
    the plain JSON is tens of thousands of containers, alive long enough for the cycle
    collector to move them to its oldest generation, which brings on a full collection of the
    whole process. Any other object (and any error) takes the plain decode and the walk.

    Raises:
        msgspec.DecodeError: ``data`` is not valid JSON.
        msgspec.ValidationError: as `convert_exact` raises it.
    """
    fields, known, tag_field = struct_fields(struct)
    if tag_field is None:
        # A stream's objects of one class mostly carry the same keys (a run has the same ones
        # from created to completed): the shape the last one had, if it had no extra keys, is
        # tried first. Converting to its complete variant succeeds only for an object with
        # exactly its keys, so the pass over the keys is spared.
        last = _last_shapes.get(struct)
        if last is not None:
            try:
                last[0].decode(data)
                return last[1].decode(data)
            except (msgspec.DecodeError, RecursionError):
                pass  # another shape, or an error the usual way reports
        try:
            members = _TOP_LEVEL.decode(data)
        except (msgspec.DecodeError, RecursionError):
            members = None  # not an object, or not JSON: the plain decode says which
        if members is not None:
            absent = tuple(field.name for field in fields if field.encode_name not in members)
            extras = tuple(key for key in members if key not in known)
            if not any(UNNAMEABLE.search(key) for key in extras):
                decoders = _shape_decoders(struct, absent, extras)
                try:
                    decoders[0].decode(data)
                    decoded = decoders[1].decode(data)
                except (msgspec.ValidationError, RecursionError):
                    pass
                else:
                    if not extras:  # extra keys keep the server's order: not one shape for all
                        _last_shapes[struct] = decoders
                    return decoded
    return convert_exact(_plain_json.decode(data), struct)


# The top-level members of an object, each value left as its undecoded JSON.
_TOP_LEVEL = msgspec.json.Decoder(dict[str, msgspec.Raw])
_plain_json = msgspec.json.Decoder()
# By class: the decoders of the shape of the last object decoded, if it had no extra keys.
_last_shapes: dict[type[msgspec.Struct], tuple[Any, Any]] = {}


@functools.lru_cache(maxsize=_MAX_SHAPES)
def _shape_decoders(struct: type[msgspec.Struct], absent: tuple[str, ...], extras: tuple[str, ...]) -> tuple[Any, Any]:
    shape = _shape(struct, absent, extras) if absent or extras else struct
    return msgspec.json.Decoder(_complete_shape(struct, absent, extras)), msgspec.json.Decoder(shape)


# ---- the common case in C ---------------------------------------------------------------------
#
# Most objects carry exactly their documented keys. For them the walk below builds the
# documented classes themselves, which is what ``msgspec.convert`` builds, in C. Whether an
# object (and every object in it) has exactly its documented keys is checked by converting
# it, also in C, to a *complete* variant of its type: the same fields, all required, unknown
# keys forbidden. Only if that fails does the walk run (and it then raises the errors).

# (`complete_types`; the walk reaches it through these names.)
_NOT_COMPLETE = NOT_COMPLETE
_convert_complete = convert_complete


# How each annotation is converted, worked out once (by the annotation's identity: hashing a
# typing Union is slow, and annotations live as long as their classes): whole objects arrive
# with every lifecycle event of a stream, so this walk is on every stream's path.
_ANY, _SCALAR, _UNION, _LIST, _STRUCT, _PLAIN = range(6)
_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})
_PLANS: dict[int, tuple[Any, int, Any]] = {}


def _plan(annotation: Any) -> tuple[int, Any]:
    entry = _PLANS.get(id(annotation))
    if entry is None:
        # The annotation is kept in the entry, so its id is never reused while cached.
        entry = _PLANS[id(annotation)] = (annotation, *_make_plan(annotation))
    return entry[1], entry[2]


def _make_plan(annotation: Any) -> tuple[int, Any]:
    if annotation is Any:
        return _ANY, None
    origin = typing.get_origin(annotation)
    members = typing.get_args(annotation) if origin is Union or origin is types.UnionType else (annotation,)
    if all(member in _SCALAR_TYPES or _is_json_object(member) for member in members):
        # Values JSON gives exactly these types need no conversion (an int where a float is
        # declared is converted, as msgspec does).
        return _SCALAR, frozenset(dict if _is_json_object(member) else member for member in members)
    if origin is Union or origin is types.UnionType:
        struct_by_tag, plain_struct = union_structs(annotation)
        tag_field = next(iter(struct_by_tag.values())).__struct_config__.tag_field if struct_by_tag else None
        return _UNION, (type(None) in members, struct_by_tag, plain_struct, tag_field, union_list(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation)
        return _LIST, item
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return _STRUCT, (annotation.__struct_config__.tag, annotation.__struct_config__.tag_field)
    return _PLAIN, None


def _is_json_object(annotation: Any) -> bool:
    # dict[str, Any]: any JSON object is one, as it is.
    return typing.get_origin(annotation) is dict and typing.get_args(annotation) == (str, Any)


def _convert(value: Any, annotation: Any, path: str) -> Any:
    kind, plan = _plan(annotation)
    if kind is _SCALAR:
        if type(value) in plan:
            return value
        return _plain(value, annotation, path)
    if kind is _ANY:
        return value
    if kind is _UNION:
        has_none, struct_by_tag, plain_struct, tag_field, list_member = plan
        if value is None and has_none:
            return None
        if isinstance(value, dict) and (struct_by_tag or plain_struct):
            if struct_by_tag:
                tag = value.get(tag_field)
                struct = struct_by_tag.get(tag) if isinstance(tag, str) else None
                if struct is None:
                    return UnknownObject(value)
            else:
                struct = plain_struct
            return _convert_struct(value, struct, path)
        if isinstance(value, list) and list_member is not None:
            return _convert(value, list_member, path)
        return _plain(value, annotation, path)
    if kind is _LIST:
        if not isinstance(value, list):
            return _plain(value, annotation, path)
        converted = _convert_complete(value, annotation)  # a long list of tool calls, in C
        if converted is not _NOT_COMPLETE:
            return converted
        return [_convert(element, plan, f"{path}[{index}]") for index, element in enumerate(value)]
    if kind is _STRUCT:
        tag, tag_field = plan
        if tag is not None and isinstance(value, dict):
            # A lone tagged class: an object of another ``type`` is not one of it (encoding
            # it as one would change its type), so it stays raw, as in a union.
            sent = value.get(tag_field, tag)
            if sent != tag:
                return UnknownObject(value)
        return _convert_struct(value, annotation, path)
    return _plain(value, annotation, path)


def _plain(value: Any, annotation: Any, path: str) -> Any:
    if annotation is Any:
        return value
    try:
        return convert(value, annotation)
    except msgspec.ValidationError as error:
        raise located(error, path) from None


@functools.lru_cache(maxsize=None)
def struct_fields(struct: type[msgspec.Struct]) -> tuple[tuple[msgspec.structs.FieldInfo, ...], frozenset[str], str | None]:
    """A Struct's fields, the JSON names it declares and its tag field (worked out once)."""
    fields = msgspec.structs.fields(struct)
    tag_field = struct.__struct_config__.tag_field
    return fields, frozenset(field.encode_name for field in fields), tag_field


def _convert_struct(value: Any, struct: type[msgspec.Struct], path: str) -> Any:
    if not isinstance(value, dict):
        return _plain(value, struct, path)
    fields, known, tag_field = struct_fields(struct)
    absent = tuple(field.name for field in fields if field.encode_name not in value)
    extras = tuple(key for key in value if key not in known and key != tag_field)
    for key in extras:
        if UNNAMEABLE.search(key):
            # msgspec cannot give a field such a name, so the object cannot be reproduced.
            raise located(msgspec.ValidationError(f"member name {key!r} cannot be kept (a quote, backslash or control character)"), path)
    shape = _shape(struct, absent, extras) if absent or extras else struct
    # The usual object: only its own keys are missing or extra, everything inside it has
    # exactly its documented keys (checked in C by its complete variant). msgspec then
    # builds what the walk below would, in C.
    try:
        convert(value, _complete_shape(struct, absent, extras))
        return convert(value, shape)
    except (msgspec.ValidationError, RecursionError):
        pass
    arguments = {}
    for field in fields:
        name = field.encode_name
        if name in value:
            arguments[field.name] = _convert(value[name], field.type, f"{path}.{name}")
        elif field.required:
            raise located(msgspec.ValidationError(f"Object missing required field `{name}`"), path)
    if shape is struct:
        return struct(**arguments)
    for (attribute, _wire), key in zip(shape.__extra_fields__, extras):
        arguments[attribute] = value[key]
    return shape(**arguments)


@functools.lru_cache(maxsize=_MAX_SHAPES)
def _complete_shape(struct: type[msgspec.Struct], absent: tuple[str, ...], extras: tuple[str, ...]) -> Any:
    """The complete variant of ``_shape(struct, absent, extras)``: the fields of an object
    with exactly these keys, all required and of their complete types (unknown keys are
    forbidden at every level), its extra keys of any type. An object that converts to it
    converts to the shape exactly as the walk would build it."""
    fields, _known, _tag_field = struct_fields(struct)
    left_out = set(absent)
    definitions: list[Any] = []
    rename = {}
    for field in fields:
        if field.name in left_out:
            continue
        definitions.append((field.name, complete_type(field.type)))
        if field.encode_name != field.name:
            rename[field.name] = field.encode_name
    if extras:
        for attribute, key in _shape(struct, absent, extras).__extra_fields__:
            definitions.append((attribute, Any))
            rename[attribute] = key
    config = struct.__struct_config__
    return msgspec.defstruct(
        struct.__name__,
        definitions,
        rename=rename or None,
        tag=config.tag,
        tag_field=config.tag_field,
        forbid_unknown_fields=True,
        gc=False,
    )


@functools.lru_cache(maxsize=None)
def _frozen(struct: type[msgspec.Struct]) -> Any:
    # An immutable variant of a nested object's class, so an instance can be a default.
    return msgspec.defstruct(struct.__name__, [], bases=(struct,), module=struct.__module__, frozen=True)


@functools.lru_cache(maxsize=_MAX_SHAPES)
def _shape(struct: type[msgspec.Struct], absent: tuple[str, ...], extras: tuple[str, ...]) -> Any:
    """The subclass of ``struct`` for objects that lack the fields ``absent`` and carry the
    unknown keys ``extras``."""
    fields, _known, _tag_field = struct_fields(struct)
    definitions: list[Any] = []
    left_out = set(absent)
    for field in fields:
        if field.name in left_out:
            factory = field.default_factory
            if factory is not msgspec.NODEFAULT and factory not in (list, dict):
                # A nested object made by a factory would be encoded (omit_defaults leaves
                # out only empty collections); a frozen default instance is left out and
                # still reads as the usual empty object.
                if isinstance(factory, type) and issubclass(factory, msgspec.Struct):
                    definitions.append((field.name, field.type, _frozen(factory)()))
                else:
                    definitions.append((field.name, Any, msgspec.UNSET))
            continue
        # Sent by the server: required, so it is encoded whatever its value.
        definitions.append((field.name, field.type))
    taken = {field.name for field in fields}
    extra_names = []
    rename = {}
    for number, key in enumerate(extras):
        # Any string can be a JSON key: the attribute gets a name of its own, the key is
        # its encode name (read them with extra_fields).
        attribute = f"extra_{number}"
        while attribute in taken:
            attribute += "_"
        taken.add(attribute)
        extra_names.append((attribute, key))
        rename[attribute] = key
        definitions.append((attribute, Any))
    shape = msgspec.defstruct(
        struct.__name__,
        definitions,
        bases=(struct,),
        module=struct.__module__,
        kw_only=True,
        omit_defaults=True,
        rename=rename or None,
    )
    shape.__extra_fields__ = tuple(extra_names)
    shape.__qualname__ = struct.__qualname__
    return shape
