"""The MCP tools: each maps its arguments to ONE services call and packages the answer.

``build_server`` is a factory around one :class:`~musigen_agent.services.Services`, so
there is no global state and every schema is built from that studio's live catalogue.
No ``from __future__ import annotations`` here: the SDK builds the input schemas from
the tool functions' annotations at runtime, and those name per-server types.

Adding a tool is a few lines in ``_track_tools`` (or a sibling): a function whose
annotated arguments are the schema, whose docstring teaches the model when to use it,
and whose body is ``await answer(lambda s, progress: s.<one call>(...), present)``.
"""

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.resolve import Resolve
from mcp_types import CallToolResult, CreateMessageResult, ToolAnnotations
from pydantic import Field

from .. import __version__
from ..errors import InvalidInput, MusigenError
from ..services import CATALOG_KINDS, Progress, Services
from .arguments import (
    INSTRUMENTS_HELP,
    KEY,
    LENGTH,
    SECTIONS,
    SEED,
    TEMPO,
    TRACK_ID,
    VERSION,
    Vocabulary,
    ops_schema,
    vocabulary,
)
from .prompts import add_prompts
from .resources import add_resources
from .results import (
    AnalysisView,
    CatalogList,
    PluginList,
    TrackList,
    TrackView,
    VersionList,
    analysis_text,
    error,
    preview,
    result,
    track_text,
)
from .sampling import Reading, Sampler, sampled_fields, sampled_ops
from .worker import Worker

INSTRUCTIONS = """\
musigen composes multi-instrument music from words and refines it step by step.
Loop: compose_track (a description in words, plus explicit fields for what matters) ->
read the summary (tempo, key, form with chords, parts) -> render_track to listen to a
preview -> refine_track with short instructions ("darker", "no drums in the intro",
"swap piano for rhodes") or typed ops -> render again. Every refine makes a new version;
list_versions shows the history and revert_track brings an earlier one back.
Names of instruments, genres, moods and models come from list_instruments, list_genres,
list_moods, list_models."""

#: Tools that only read.
READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)


def _writes(idempotent: bool) -> ToolAnnotations:
    """Tools that add (never overwrite: versions are append-only, so nothing is destroyed)."""
    return ToolAnnotations(
        read_only_hint=False, destructive_hint=False, idempotent_hint=idempotent, open_world_hint=False
    )


#: A services call as the worker runs it, and the packaging of its answer.
Work = Callable[[Services, Progress], Any]
Present = Callable[[Any], CallToolResult]


class Answer(Protocol):
    """``answer(work, present, ctx)`` in :func:`build_server`."""

    def __call__(
        self, work: Work, present: Present, ctx: Context[Any, Any] | None = None
    ) -> Awaitable[CallToolResult]: ...


def build_server(services: Services) -> MCPServer:
    """An MCP server over ``services``: tools, resources, prompts and completions."""
    worker = Worker(services)
    vocab = vocabulary(services)
    sampler = Sampler(worker, vocab.names, ops_schema(vocab.names))
    server = MCPServer("musigen", title="musigen studio", version=__version__, instructions=INSTRUCTIONS)

    async def answer(work: Work, present: Present, ctx: Context[Any, Any] | None = None) -> CallToolResult:
        """Run one services call off the loop; a MusigenError becomes an isError result."""
        try:
            data = await worker.call(work, ctx)
        except MusigenError as exc:
            return error(exc)
        return present(data)

    _track_tools(server, vocab, sampler, answer)
    _catalog_tools(server, answer)
    add_resources(server, worker)
    add_prompts(server, worker, vocab)
    return server


def _track_tools(server: MCPServer, vocab: Vocabulary, sampler: Sampler, answer: Answer) -> None:
    """compose, refine, render, get, list, versions, revert."""

    async def compose_track(
        description: Annotated[
            str,
            Field(
                description=(
                    "The track in plain words: genre, mood, tempo ('80 bpm', 'slow'), key ('in D minor'), "
                    "instruments ('rhodes and soft drums', 'no drums'), length ('2 minutes', '32 bars'), form "
                    "('verse-chorus-verse'). Up to 2,000 characters."
                )
            ),
        ] = "",
        title: Annotated[str | None, Field(description="Title; omit for one made from genre, mood and key.")] = None,
        genre: vocab.Genre | None = None,
        mood: vocab.Mood | list[vocab.Mood] | None = None,
        tempo: TEMPO = None,
        key: KEY = None,
        meter: vocab.Meter | None = None,
        length: LENGTH = None,
        instruments: Annotated[list[vocab.Instrument] | None, Field(description=INSTRUMENTS_HELP)] = None,
        sections: SECTIONS = None,
        seed: SEED = None,
        model: vocab.Model | None = None,
        *,
        ctx: Context[Any, Any],
        reading: Annotated[Reading | None, Resolve(sampler.read_description)],
        sampled: Annotated[CreateMessageResult | None, Resolve(sampler.ask_compose)],
    ) -> Annotated[CallToolResult, TrackView]:
        """Compose a new track from a description in words; explicit fields beat the words.

        Returns the track id (for every other tool), the spec, the mix, a summary (tempo,
        key, form with chords, parts and their roles), why each field got its value
        (provenance) and the words that were not understood (ignored). A level word before
        an instrument sets the first mix ("soft drums" -6 dB, "loud guitars" +3 dB). Listen
        with render_track; change it with refine_track.
        """
        # fmt: off
        explicit = {k: v for k, v in dict(
            title=title, genre=genre, mood=mood, tempo=tempo, key=key, meter=meter, length=length,
            instruments=instruments, sections=sections, seed=seed, model=model,
        ).items() if v is not None}
        # fmt: on
        suggested, note = _suggestion(lambda: sampled_fields(sampled, reading), sampled)

        def work(s: Services, progress: Progress) -> dict[str, Any]:
            return _with_fallback(
                lambda extra: s.compose(description, {**extra, **explicit} or None, progress=progress),
                suggested,
                {},
                sampled,
                note,
            )

        return await answer(work, lambda v: result(v, _compose_text(v)), ctx)

    async def refine_track(
        track_id: TRACK_ID,
        instruction: Annotated[
            str,
            Field(
                description=(
                    "The change in words, e.g. 'darker', 'slower', 'no drums in the intro', 'swap piano for "
                    "rhodes', 'make the chorus twice as long', 'add a bridge'. Several changes may be joined "
                    "with 'and'."
                )
            ),
        ] = "",
        ops: vocab.Ops = None,
        version: VERSION = None,
        *,
        sampled: Annotated[CreateMessageResult | None, Resolve(sampler.ask_refine)],
    ) -> Annotated[CallToolResult, TrackView]:
        """Change a track with an instruction in words and/or typed ops; makes a new version.

        Refines the latest version unless `version` is given (refining an older one branches
        from it; nothing is ever lost). Returns the new version with `applied` (each op and
        the words that asked for it) and `not_understood` (words to rephrase). "louder",
        "quieter" and "more/less reverb" move from the version's current mix. If nothing was
        understood, nothing is stored and the error says why (a section or part the track
        lacks, with the ones it has) or lists example instructions.
        """
        suggested, note = _suggestion(lambda: sampled_ops(sampled), sampled)

        def work(s: Services, _: Progress) -> dict[str, Any]:
            return _with_fallback(
                lambda extra: s.refine(track_id, instruction, [*(ops or []), *extra], version),
                suggested,
                [],
                sampled,
                note,
            )

        return await answer(work, lambda v: result(v, _refine_text(v)))

    async def render_track(
        track_id: TRACK_ID,
        formats: Annotated[list[vocab.Format] | None, Field(description="Files to write; default ['wav'].")] = None,
        version: VERSION = None,
        preview_seconds: Annotated[
            float,
            Field(
                description="Length of the audio preview returned with the result (0: none).",
                json_schema_extra={"minimum": 0, "maximum": 60},
            ),
        ] = 20.0,
        *,
        ctx: Context[Any, Any],
    ) -> Annotated[CallToolResult, TrackView]:
        """Render a version (the latest by default) to files, and return an audio preview to listen to.

        The result lists every file written (format, path, bytes); the preview is the start
        of the rendered audio as audio content.
        """

        def work(s: Services, progress: Progress) -> tuple[dict[str, Any], Any]:
            view = s.render(track_id, version, formats or ["wav"], progress=progress)
            try:
                return view, preview(view["files"], preview_seconds)
            except (OSError, RuntimeError) as exc:  # the files are written: report, don't fail
                view["notes"] = [f"no audio preview: {exc}"]
                return view, None

        return await answer(work, lambda vp: _render_result(*vp, preview_seconds), ctx)

    async def get_track(track_id: TRACK_ID, version: VERSION = None) -> Annotated[CallToolResult, TrackView]:
        """Look at a track's version (the latest by default): spec, summary, rendered files, version count."""
        return await answer(
            lambda s, _: s.get_track(track_id, version),
            lambda v: result(v, track_text(v, f"{v['track_id']} version {v['version']} of {v['versions']}:")),
        )

    async def list_tracks(
        limit: Annotated[int, Field(description="How many (most recently changed first).", ge=1, le=500)] = 50,
        offset: Annotated[int, Field(description="How many to skip, for paging.", ge=0)] = 0,
    ) -> Annotated[CallToolResult, TrackList]:
        """List stored tracks (id, title, head version, dates), most recently changed first."""
        return await answer(
            lambda s, _: s.list_tracks(limit, offset),
            lambda rows: result(
                {"tracks": rows}, "; ".join(f"{t['id']}: {t['title']} (v{t['head']})" for t in rows) or "No tracks."
            ),
        )

    async def list_versions(track_id: TRACK_ID) -> Annotated[CallToolResult, VersionList]:
        """A track's history: each version with its parent, the ops applied and the instruction given."""
        return await answer(
            lambda s, _: s.list_versions(track_id),
            lambda rows: result(
                {"track_id": track_id, "versions": rows},
                "\n".join(f"v{r['number']}{_parent(r)}: {r['instruction'] or '-'}" for r in rows),
            ),
        )

    async def revert_track(
        track_id: TRACK_ID,
        version: Annotated[int, Field(description="The version to bring back (from list_versions).")],
    ) -> Annotated[CallToolResult, TrackView]:
        """Make a new latest version identical to an earlier one (history is kept, never rewound)."""
        return await answer(
            lambda s, _: s.revert(track_id, version),
            lambda v: result(v, track_text(v, f"{track_id} version {v['version']} = version {version}:")),
        )

    async def analyze_track(track_id: TRACK_ID, version: VERSION = None) -> Annotated[CallToolResult, AnalysisView]:
        """Measure a version: key heard in the notes vs the spec, scale consistency, pitch-class entropy, groove,
        empty beats, melody chord tones, repetition, notes out of range, each against real-music reference ranges.
        Use it to check a result before telling the user it matches their request."""
        return await answer(lambda s, _: s.analyze(track_id, version), lambda a: result(a, analysis_text(a)))

    async def import_midi(
        data: Annotated[str, Field(description="The .mid file, base64-encoded (at most 4 MB).")],
        title: Annotated[str | None, Field(description="Title for the new track.", max_length=200)] = None,
    ) -> Annotated[CallToolResult, TrackView]:
        """Import a Standard MIDI File as a new track (tempo, meter, key, instruments, chords per bar are read
        from it); then refine it like any track, e.g. refine_track(instruction="make it reggae")."""
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return error(InvalidInput("data must be base64 (standard alphabet) of a .mid file.", field="data"))
        return await answer(
            lambda s, _: s.import_midi(raw, title),
            lambda v: result(v, track_text(v, f"Imported as {v['track_id']} version 1:")),
        )

    server.add_tool(compose_track, title="Compose a track", annotations=_writes(idempotent=False))
    server.add_tool(analyze_track, title="Analyze a track", annotations=READ)
    server.add_tool(import_midi, title="Import a MIDI file", annotations=_writes(idempotent=False))
    server.add_tool(refine_track, title="Refine a track", annotations=_writes(idempotent=False))
    server.add_tool(render_track, title="Render a track", annotations=_writes(idempotent=True))
    server.add_tool(get_track, title="Get a track", annotations=READ)
    server.add_tool(list_tracks, title="List tracks", annotations=READ)
    server.add_tool(list_versions, title="List a track's versions", annotations=READ)
    server.add_tool(revert_track, title="Revert a track", annotations=_writes(idempotent=False))


def _catalog_tools(server: MCPServer, answer: Answer) -> None:
    """list_instruments, list_genres, list_moods, list_models (one per catalogue) and list_plugins."""
    for kind in CATALOG_KINDS:
        server.add_tool(
            _catalog_tool(kind, answer),
            name=f"list_{kind}",
            title=f"List {kind}",
            description=(
                f"Every {kind[:-1]} this studio knows (from its plugins), with its description and the plugin "
                f"providing it. Use these names in compose_track and refine_track."
            ),
            annotations=READ,
        )

    async def list_plugins() -> Annotated[CallToolResult, PluginList]:
        """The installed plugins: package, version, hooks, what each provides, and its health."""
        return await answer(
            lambda s, _: s.list_plugins(),
            lambda rows: result({"plugins": rows}, ", ".join(f"{p['name']} ({p['status']})" for p in rows)),
        )

    server.add_tool(list_plugins, title="List plugins", annotations=READ)


def _catalog_tool(kind: str, answer: Answer) -> Callable[..., Any]:
    """The argument-less tool listing one catalogue."""

    async def list_kind() -> Annotated[CallToolResult, CatalogList]:
        return await answer(
            lambda s, _: s.list_catalog(kind),
            lambda items: result({"kind": kind, "items": items}, f"{kind}: " + ", ".join(i["name"] for i in items)),
        )

    return list_kind


def _suggestion(parse: Callable[[], Any], sampled: CreateMessageResult | None) -> tuple[Any, str | None]:
    """What the client's model suggested, validated (None and a note when unusable)."""
    if sampled is None:
        return None, None
    try:
        return parse(), None
    except ValueError as exc:
        return None, f"the client's model gave no usable answer ({exc}); used the offline reading only"


def _with_fallback(
    call: Callable[[Any], dict[str, Any]], suggested: Any, empty: Any, asked: Any, note: str | None
) -> dict[str, Any]:
    """``call(suggested)``, else (rejected by the services) ``call(empty)``; the view says which.

    The suggestion is checked by the services like any input, so a wrong one costs a
    retry on the deterministic path, never a failed call.
    """
    view = None
    if suggested:
        try:
            view = call(suggested)
        except MusigenError as exc:
            note = f"the services rejected the client's model suggestion {suggested!r} ({exc.message})"
    if view is None:
        view = call(empty)
    if asked is not None:
        view["sampling"] = {"used": suggested if note is None and suggested else None, "note": note}
    return view


def _parent(row: dict[str, Any]) -> str:
    return f" (from v{row['parent']})" if row["parent"] is not None else ""


def _compose_text(view: dict[str, Any]) -> str:
    text = track_text(view, f"Composed {view['track_id']} (version 1).")
    if view.get("ignored"):
        text += f" Not understood: {', '.join(view['ignored'])}."
    if view.get("notes"):
        text += f" Notes: {'; '.join(view['notes'])}."
    return text


def _refine_text(view: dict[str, Any]) -> str:
    done = ", ".join(a["op"]["op"] for a in view["applied"])
    text = track_text(view, f"{view['track_id']} version {view['version']} (from {view['parent']}): {done}.")
    if view.get("not_understood"):
        text += f" Not understood: {', '.join(view['not_understood'])}."
    return text


def _render_result(view: dict[str, Any], audio: Any, seconds: float) -> CallToolResult:
    files = ", ".join(f"{f['format']} {f['path']}" for f in view["files"])
    text = track_text(view, f"Rendered {view['track_id']} version {view['version']}: {files}.")
    if audio is not None:
        text += f" The audio below is the first {min(seconds, view['summary']['seconds']):.0f} s."
    return result(view, text, *([audio] if audio is not None else []))
