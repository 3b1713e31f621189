"""THE facade: every adapter (CLI, MCP, HTTP) calls exactly one function here.

Services own the order of work that makes operations safe: validate and compose in
memory first, then render in memory, then write the registry in one transaction,
then write files atomically.  A failure before the registry write leaves nothing
behind; versions are append-only, so nothing is ever lost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import export, intent
from .analysis import analyze
from .compose import compose as compose_arrangement
from .config import Settings
from .diff import diff_versions
from .edits import apply_ops
from .errors import InvalidInput, NotFound
from .keys import KeyStore
from .midi_import import import_midi
from .neural.classify import classify
from .ops import Op, parse_ops
from .plugin_manager import Plugins, load_plugins
from .refine_words import EXAMPLES, read_instruction
from .registry import Registry
from .spec import Arrangement, Mix, TrackSpec
from .splice import State
from .summary import notes_view, summarize

#: A progress callback: (fraction done 0..1, what is happening).
Progress = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    """Default progress sink."""


#: Formats a render can produce, with what each is.
FORMATS = export.FORMATS
CATALOG_KINDS = ("instruments", "genres", "moods", "models")


@dataclass
class Services:
    """One studio: settings, the plugin set and the registry, built by :func:`open_services`."""

    settings: Settings
    plugins: Plugins
    registry: Registry
    #: Rendered stems kept between renders (memory + settings.home/cache/stems), made on first render.
    _stem_cache: Any = field(default=None, init=False, repr=False, compare=False)

    # ------------------------------------------------------------------ compose
    def compose(
        self,
        description: str = "",
        overrides: dict[str, Any] | None = None,
        formats: tuple[str, ...] | list[str] = (),
        out_dir: str | Path | None = None,
        progress: Progress = _no_progress,
    ) -> dict[str, Any]:
        """Words (plus explicit fields) -> a stored track, optionally rendered to files."""
        formats = _check_formats(formats)
        parsed = intent.parse(description, self.plugins.catalog, _overrides(overrides))
        progress(0.1, "understood the description")
        composition = compose_arrangement(parsed.spec, self.plugins)
        arr, mix = composition.arrangement, parsed.mix
        progress(0.3, f"composed {len(arr.parts)} parts")
        rendered = self._render_audio(arr, mix, formats, lambda f, m: progress(0.3 + 0.5 * f, m))
        if rendered is not None:
            progress(0.8, "rendered audio")
        midi = export.midi_bytes(arr)
        track_id = self.registry.create_track(
            parsed.spec.title, _version_row(None, State(parsed.spec, arr, mix), [], description, midi)
        )
        files = self._write_files(track_id, 1, parsed.spec, arr, midi, rendered, formats, out_dir)
        progress(1.0, f"stored track {track_id}")
        view = self._view(track_id, 1, State(parsed.spec, arr, mix), files)
        view["provenance"] = {k: asdict(v) for k, v in parsed.provenance.items()}
        view["ignored"] = parsed.ignored
        view["notes"] = parsed.notes + composition.warnings
        return view

    def read_description(self, description: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """What compose would understand from the words, without composing or storing anything."""
        parsed = intent.parse(description, self.plugins.catalog, _overrides(overrides))
        return {
            "spec": parsed.spec.model_dump(mode="json"),
            "mix": parsed.mix.model_dump(mode="json"),
            "provenance": {k: asdict(v) for k, v in parsed.provenance.items()},
            "ignored": parsed.ignored,
            "notes": parsed.notes,
        }

    # ------------------------------------------------------------------ refine
    def read_instruction(self, track_id: str, instruction: str, version: int | None = None) -> dict[str, Any]:
        """The ops an instruction would apply to a version (dry run: nothing is stored)."""
        view = self.get_track(track_id, version)
        spec, mix = TrackSpec.model_validate(view["spec"]), Mix.model_validate(view["mix"])
        reading = read_instruction(instruction, spec, self.plugins.catalog, mix)
        return {
            "track": view,
            "applied": [_applied(u.op, u.words) for u in reading.ops],
            "not_understood": reading.not_understood,
        }

    def refine(
        self,
        track_id: str,
        instruction: str = "",
        ops: list[dict[str, Any]] | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        """Apply an instruction in words and/or typed ops to a version (latest by default).

        Makes a new version whose parent is the one refined (refining an old version
        branches).  If nothing in the instruction is understood, nothing is stored and
        the error lists what can be said instead.
        """
        row = self.registry.get_version(track_id, version)
        spec, arr, mix = _load(row)
        typed = parse_ops(ops or [])
        applied: list[dict[str, Any]] = []
        not_understood: list[str] = []
        reasons: list[str] = []
        if instruction.strip():
            reading = read_instruction(instruction, spec, self.plugins.catalog, mix)
            applied = [_applied(u.op, u.words) for u in reading.ops]
            not_understood, reasons = reading.not_understood, reading.reasons
            typed = [u.op for u in reading.ops] + typed
        if not typed:
            raise InvalidInput(
                f"Nothing to change: {'; '.join(reasons) if reasons else f'could not understand {instruction!r}'}. "
                f"Try for example: {'; '.join(EXAMPLES[:8])}. Or send typed ops.",
                field="instruction",
                allowed=list(EXAMPLES),
            )
        applied += [_applied(op, None) for op in typed[len(applied) :]]
        state = apply_ops(State(spec, arr, mix), typed, self.plugins)
        number = self._store_version(track_id, row["number"], state, [a["op"] for a in applied], instruction)
        view = self._view(track_id, number, state, [])
        view["parent"] = row["number"]
        view["applied"] = applied
        view["not_understood"] = not_understood
        return view

    def revert(self, track_id: str, version: int) -> dict[str, Any]:
        """A new version identical to ``version`` (history is kept, never rewound)."""
        row = self.registry.get_version(track_id, version)
        head = self.registry.get_track(track_id)["head"]
        number = self._store_version(
            track_id, head, State(*_load(row)), [{"op": "revert", "to": version}], f"revert to version {version}"
        )
        return self.get_track(track_id, number)

    def diff(self, track_id: str, a: int, b: int) -> dict[str, Any]:
        """What changed from version ``a`` to ``b``: ops along the history, fields, form, notes per part."""
        ra, rb = self.registry.get_version(track_id, a), self.registry.get_version(track_id, b)
        result = diff_versions(_load(ra), _load(rb))
        result.update(track_id=track_id, a=a, b=b, ops=self._ops_between(track_id, a, b))
        return result

    def _ops_between(self, track_id: str, a: int, b: int) -> list[dict[str, Any]] | None:
        """Ops from ``a`` down the parent chain to ``b``; None when ``a`` is not an ancestor of ``b``."""
        by_number = {v["number"]: v for v in self.registry.list_versions(track_id)}
        chain: list[dict[str, Any]] = []
        current = b
        while current is not None and current != a:
            row = by_number[current]
            chain = [{"version": current, "op": op} for op in row["ops"]] + chain
            current = row["parent"]
        return chain if current == a else None

    def _store_version(self, track_id: str, parent: int, state: State, ops: list[Any], instruction: str) -> int:
        row = _version_row(parent, state, ops, instruction, export.midi_bytes(state.arrangement))
        return self.registry.add_version(track_id, row)

    # ------------------------------------------------------------------ render
    def render(
        self,
        track_id: str,
        version: int | None = None,
        formats: tuple[str, ...] | list[str] = ("wav",),
        out_dir: str | Path | None = None,
        progress: Progress = _no_progress,
    ) -> dict[str, Any]:
        """Render a stored version to files (MIDI, WAV, JSON)."""
        formats = _check_formats(formats or ("wav",))
        row = self.registry.get_version(track_id, version)
        spec, arr, mix = _load(row)
        progress(0.05, "loaded the version")
        rendered = self._render_audio(arr, mix, formats, lambda f, m: progress(0.05 + 0.75 * f, m))
        progress(0.8, "rendered audio")
        midi = export.midi_bytes(arr)
        files = self._write_files(track_id, row["number"], spec, arr, midi, rendered, formats, out_dir)
        progress(1.0, f"wrote {len(files)} files")
        return self._view(track_id, row["number"], State(spec, arr, mix), files)

    def import_midi(self, data: bytes, title: str | None = None) -> dict[str, Any]:
        """Store an uploaded MIDI file as a new track (version 1) that can be refined and rendered."""
        spec, arr = import_midi(data, self.plugins.catalog, title)
        midi = export.midi_bytes(arr)
        state = State(spec, arr, Mix())
        track_id = self.registry.create_track(spec.title, _version_row(None, state, [{"op": "import_midi"}], "", midi))
        return self._view(track_id, 1, state, [])

    def analyze(self, track_id: str, version: int | None = None) -> dict[str, Any]:
        """Objective metrics of a version, its agreement with its spec, and real-music reference ranges."""
        row = self.registry.get_version(track_id, version)
        spec, arr, _mix = _load(row)
        result = analyze(spec, arr, self.plugins.catalog)
        result.update(track_id=track_id, version=row["number"], style=classify(arr))
        return result

    # ------------------------------------------------------------------ reading
    def get_track(self, track_id: str, version: int | None = None) -> dict[str, Any]:
        """A stored version (the latest by default) with its summary and renders."""
        row = self.registry.get_version(track_id, version)
        spec, arr, mix = _load(row)
        files = [
            {"format": r["format"], "path": r["path"], "bytes": r["bytes"]}
            for r in self.registry.list_renders(track_id, row["number"])
        ]
        view = self._view(track_id, row["number"], State(spec, arr, mix), files)
        view["versions"] = self.registry.count_versions(track_id)
        return view

    def notes(self, track_id: str, version: int | None = None) -> dict[str, Any]:
        """Every part's notes in beats with the form, chords and mix: a piano roll's data."""
        row = self.registry.get_version(track_id, version)
        _spec, arr, mix = _load(row)
        return notes_view(track_id, row["number"], arr, mix)

    # ------------------------------------------------------------------ API keys
    def create_key(self, name: str, scopes: list[str]) -> tuple[str, dict[str, Any]]:
        """A new API key: its token (shown once, stored only as a hash) and its record."""
        return self.registry.create_key(name, scopes)

    def list_keys(self) -> list[dict[str, Any]]:
        """Every API key (never its token or hash)."""
        return self.registry.list_keys()

    def revoke_key(self, key_id: str) -> dict[str, Any]:
        """Revoke a key by id or unique name."""
        return self.registry.revoke_key(key_id)

    def key_store(self) -> KeyStore:
        """A key store on its own connection to the registry, for a server that checks a
        key on every request without queueing behind the registry's writes."""
        return KeyStore(self.registry.path)

    @property
    def shareable(self) -> bool:
        """Whether other connections can open the registry (a file, not ``:memory:``)."""
        return str(self.registry.path) != ":memory:"

    def render_file(self, track_id: str, name: str) -> Path:
        """The rendered file of ``track_id`` called ``name`` (the latest if rendered twice).

        Only files the registry recorded for that track are returned, so a name can
        never reach outside the renders (``..`` or absolute paths match nothing).
        """
        for row in reversed(self.registry.list_renders(track_id)):
            path = Path(row["path"])
            if path.name == name and path.is_file():
                return path
        self.registry.get_track(track_id)  # a NotFound naming the track when it does not exist
        raise NotFound(
            f"Track {track_id!r} has no rendered file {name!r}; get_track lists its files, render makes more.",
            field="name",
        )

    def midi(self, track_id: str, version: int | None = None) -> bytes:
        """A version's Standard MIDI File bytes (no file is written)."""
        return export.midi_bytes(_load(self.registry.get_version(track_id, version))[1])

    def list_tracks(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        return self.registry.list_tracks(limit=limit, offset=offset)

    def list_versions(self, track_id: str) -> list[dict[str, Any]]:
        return self.registry.list_versions(track_id)

    def list_catalog(self, kind: str) -> list[dict[str, Any]]:
        """Instruments, genres, moods or models, with the plugin providing each."""
        if kind not in CATALOG_KINDS:
            raise InvalidInput(f"Unknown catalogue {kind!r}.", field="kind", allowed=list(CATALOG_KINDS))
        return self.plugins.catalog.describe(kind)

    def list_plugins(self) -> list[dict[str, Any]]:
        """Every plugin with its package, version, hooks, what it provides and its health."""
        self.registry.record_plugins(s.to_dict() for s in self.plugins.statuses)
        return self.registry.list_plugins()

    # ------------------------------------------------------------------ internals
    def _render_audio(self, arr: Arrangement, mix: Mix, formats: list[str], progress: Progress | None = None) -> Any:
        """Render only when a requested format is made from audio; stems come from (and
        go to) the studio's stem cache, plugin voices replace SoundFont presets."""
        if not export.AUDIO_FORMATS.intersection(formats):
            return None
        from .render import render, voices_for  # lazy: pulls in the synthesizer
        from .stem_cache import StemCache

        if self._stem_cache is None:
            self._stem_cache = StemCache(self.settings.home / "cache" / "stems")
        return render(
            arr,
            mix,
            soundfont=self.settings.soundfont,
            voices=voices_for(arr, self.plugins),
            cache=self._stem_cache,
            progress=progress,
        )

    def _write_files(
        self,
        track_id: str,
        number: int,
        spec: TrackSpec,
        arr: Arrangement,
        midi: bytes,
        rendered: Any,
        formats: list[str],
        out_dir: str | Path | None,
    ) -> list[dict[str, Any]]:
        folder = Path(out_dir) if out_dir else self.settings.renders_dir / track_id
        stem = track_id if number == 1 else f"{track_id}_v{number}"
        written = export.write_outputs(
            formats,
            folder,
            stem,
            spec=spec,
            arrangement=arr,
            midi=midi,
            rendered=rendered,
            summary=summarize(spec, arr) if "json" in formats else None,
        )
        files = []
        for fmt, path in written.items():
            with path.open("rb") as fh:  # streamed: a long WAV is not read into memory to be hashed
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
            row = {
                "track_id": track_id,
                "version": number,
                "format": fmt,
                "path": str(path.resolve()),
                "sha256": digest,
                "bytes": path.stat().st_size,
                "seconds": round(arr.seconds, 3),
            }
            self.registry.add_render(row)
            files.append({"format": fmt, "path": row["path"], "bytes": row["bytes"]})
        return files

    def _view(self, track_id: str, number: int, state: State, files: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "track_id": track_id,
            "version": number,
            "spec": state.spec.model_dump(mode="json"),
            "mix": state.mix.model_dump(mode="json"),
            "summary": summarize(state.spec, state.arrangement),
            "files": files,
        }


def _applied(op: Op, words: str | None) -> dict[str, Any]:
    """An applied op as results and the version history show it: fields left unset
    (a mix op's other settings, a regenerate's whole-part section) are omitted."""
    return {"op": op.model_dump(mode="json", exclude_none=True), "words": words}


def open_services(settings: Settings | None = None, *, db: str | Path | None = None) -> Services:
    """Build the studio: load plugins, open (and migrate) the registry, record plugins."""
    settings = settings or Settings.from_env(db=db)
    plugins = load_plugins(
        plugin_dirs=settings.plugin_dirs,
        disabled=settings.disabled_plugins,
        entry_points=settings.load_entry_points,
        extra=settings.extra_plugins,
    )
    registry = Registry(settings.db_path)
    registry.record_plugins(s.to_dict() for s in plugins.statuses)
    return Services(settings, plugins, registry)


def _check_formats(formats: tuple[str, ...] | list[str]) -> list[str]:
    out = []
    for fmt in formats:
        fmt = fmt.strip().lower().lstrip(".")
        if fmt == "midi":
            fmt = "mid"
        if fmt not in FORMATS:
            raise InvalidInput(f"Unknown format {fmt!r}.", field="formats", allowed=sorted(FORMATS))
        if fmt not in out:
            out.append(fmt)
    return out


def _overrides(data: dict[str, Any] | None) -> intent.Overrides | None:
    if not data:
        return None
    try:
        return intent.Overrides(**{k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise InvalidInput(f"{field}: {err['msg']}", field=field) from None


def _version_row(parent: int | None, state: State, ops: list[Any], instruction: str, midi: bytes) -> dict[str, Any]:
    """The registry row of a version (JSON columns are encoded by the registry)."""
    return {
        "parent": parent,
        "title": state.spec.title,
        "spec": state.spec.model_dump(mode="json"),
        "arrangement": state.arrangement.model_dump(mode="json"),
        "mix": state.mix.model_dump(mode="json"),
        "ops": ops,
        "instruction": instruction,
        "midi_sha256": hashlib.sha256(midi).hexdigest(),
    }


def _load(row: dict[str, Any]) -> tuple[TrackSpec, Arrangement, Mix]:
    return (
        TrackSpec.model_validate(row["spec"]),
        Arrangement.model_validate(row["arrangement"]),
        Mix.model_validate(row["mix"]),
    )
