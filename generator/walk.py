"""The one walk over a knowledge base's texts: every Text inside a model, with its path. Shared by validate, link,
search, the features and the tests (a module of its own: none of them needs the others for it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from . import schema


def texts(model: BaseModel, path: tuple = ()) -> Iterator[tuple[tuple, schema.Text]]:
    """Every Text inside a model, with its path: the walk that errata, links and tests share."""
    if isinstance(model, schema.Text):
        yield path, model
        return
    for name in type(model).model_fields:
        value = getattr(model, name)
        yield from _texts_in(value, path + (name,))


def _texts_in(value: Any, path: tuple) -> Iterator[tuple[tuple, schema.Text]]:
    if isinstance(value, BaseModel):
        yield from texts(value, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts_in(item, path + (index,))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts_in(item, path + (key,))
