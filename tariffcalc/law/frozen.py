"""Deep immutability for shared schedules.

:func:`tariffcalc.law.load.load_schedule` hands every caller the same parsed
:class:`~tariffcalc.law.model.Schedule` (parsing it again costs tens of
milliseconds, copying it as much).  Its models are frozen, but pydantic's
``frozen`` stops only attribute assignment: a caller could still append to a
measure's ``changes`` or edit its ``rates`` and so change the schedule of every
later load.  :func:`freeze` replaces every list and dict inside the models with
:class:`FrozenList` and :class:`FrozenDict`: they compare, iterate, index and
serialise like lists and dicts, and refuse every change.  They pickle as
themselves, so the disk cache keeps the frozen form and loading costs nothing
more; ``model_dump()`` gives plain, changeable lists and dicts.
"""

from __future__ import annotations

from pydantic import BaseModel

_REFUSAL = "a loaded schedule is shared and cannot be changed; make a changed copy (model_copy(update=...))"


def _refuse(self, *args, **kwargs):
    raise TypeError(_REFUSAL)


class FrozenList(list):
    """A list that cannot be changed."""

    __slots__ = ()
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def __reduce__(self):
        return (FrozenList, (list(self),))


class FrozenDict(dict):
    """A dict that cannot be changed."""

    __slots__ = ()
    update = setdefault = pop = popitem = clear = _refuse
    __setitem__ = __delitem__ = __ior__ = _refuse

    def __reduce__(self):
        return (FrozenDict, (dict(self),))


def freeze(value):
    """``value`` with every list and dict in it (in models too, in place) made unchangeable; returns it."""
    if isinstance(value, BaseModel):
        fields = value.__dict__
        for name in type(value).model_fields:
            if name in fields:
                fields[name] = freeze(fields[name])
        return value
    if isinstance(value, (FrozenList, FrozenDict)):
        return value
    if isinstance(value, list):
        return FrozenList([freeze(item) if isinstance(item, _CONTAINERS) else item for item in value])
    if isinstance(value, dict):
        return FrozenDict({key: freeze(item) if isinstance(item, _CONTAINERS) else item for key, item in value.items()})
    return value


_CONTAINERS = (BaseModel, list, dict)
