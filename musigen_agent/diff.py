"""What changed between two versions: spec fields, form, mix, and notes per part."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .spec import Arrangement, Mix, TrackSpec

SPEC_FIELDS = ("title", "genre", "moods", "tempo", "key", "mode", "meter", "swing", "humanize", "seed", "model")


def diff_versions(a: tuple[TrackSpec, Arrangement, Mix], b: tuple[TrackSpec, Arrangement, Mix]) -> dict[str, Any]:
    """A compact, JSON-able comparison of version ``a`` (before) and ``b`` (after)."""
    (sa, aa, ma), (sb, ab, mb) = a, b
    fields = {
        f: {"from": getattr(sa, f), "to": getattr(sb, f)} for f in SPEC_FIELDS if getattr(sa, f) != getattr(sb, f)
    }
    form_a = [(s.name, s.bars) for s in aa.sections]
    form_b = [(s.name, s.bars) for s in ab.sections]
    parts: dict[str, Any] = {}
    old = {p.name: p for p in aa.parts}
    new = {p.name: p for p in ab.parts}
    for name in [*old, *(n for n in new if n not in old)]:
        if name not in new:
            parts[name] = {"change": "removed", "notes_before": len(old[name].notes)}
            continue
        if name not in old:
            parts[name] = {"change": "added", "instrument": new[name].instrument, "notes_after": len(new[name].notes)}
            continue
        before = Counter((n.start, n.duration, n.pitch, n.velocity) for n in old[name].notes)
        after = Counter((n.start, n.duration, n.pitch, n.velocity) for n in new[name].notes)
        removed, added = sum((before - after).values()), sum((after - before).values())
        entry: dict[str, Any] = {"notes_before": len(old[name].notes), "notes_after": len(new[name].notes)}
        if removed or added:
            entry.update(change="notes", added=added, removed=removed)
        else:
            entry["change"] = "identical"
        if old[name].instrument != new[name].instrument:
            entry["instrument"] = {"from": old[name].instrument, "to": new[name].instrument}
        if old[name].role != new[name].role:
            entry["role"] = {"from": old[name].role, "to": new[name].role}
        parts[name] = entry
    mix = {
        name: {"from": ma.for_part(name).model_dump(), "to": mb.for_part(name).model_dump()}
        for name in sorted(set(ma.tracks) | set(mb.tracks))
        if ma.for_part(name) != mb.for_part(name)
    }
    return {
        "fields": fields,
        "form": None if form_a == form_b else {"from": form_a, "to": form_b},
        "parts": parts,
        "mix": mix,
    }
