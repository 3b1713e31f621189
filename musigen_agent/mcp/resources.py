"""Resources (tracks, versions, MIDI, catalogue) and completion of their arguments.

Resources let a client attach a track to the conversation, or fetch its MIDI, without
a tool call.  Completions let a client offer the track ids, version numbers and
catalogue kinds that exist while the user types a resource URI or a prompt argument.
"""

import json
from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp_types import Completion, CompletionArgument, CompletionContext, PromptReference, ResourceTemplateReference

from ..errors import MusigenError, NotFound
from ..services import CATALOG_KINDS, Progress, Services
from .worker import Worker

JSON = "application/json"
#: At most this many completion values (the protocol's limit).
MAX_COMPLETIONS = 100


def add_resources(server: MCPServer, worker: Worker) -> None:
    """Register the musigen:// resources and the completion handler on ``server``."""

    async def read(work: Callable[[Services, Progress], Any]) -> Any:
        """Run a services call; its errors become resource errors carrying the same message."""
        try:
            return await worker.call(work)
        except NotFound as exc:
            raise ResourceNotFoundError(exc.message) from exc
        except MusigenError as exc:
            raise ResourceError(exc.message) from exc

    @server.resource("musigen://tracks", name="tracks", title="Stored tracks", mime_type=JSON)
    async def tracks() -> str:
        """Every stored track (id, title, head version), most recently changed first."""
        return json.dumps(await read(lambda s, _: s.list_tracks()))

    @server.resource("musigen://tracks/{track_id}", name="track", title="A track (latest version)", mime_type=JSON)
    async def track(track_id: str) -> str:
        """A track's latest version: spec, summary and rendered files."""
        return json.dumps(await read(lambda s, _: s.get_track(track_id)))

    @server.resource(
        "musigen://tracks/{track_id}/versions/{version}", name="track_version", title="A track version", mime_type=JSON
    )
    async def track_version(track_id: str, version: str) -> str:
        """One version of a track: spec, summary and rendered files."""
        number = _number(version)
        return json.dumps(await read(lambda s, _: s.get_track(track_id, number)))

    @server.resource(
        "musigen://tracks/{track_id}/versions/{version}/midi",
        name="track_midi",
        title="A track version as MIDI",
        mime_type="audio/midi",
    )
    async def track_midi(track_id: str, version: str) -> bytes:
        """One version of a track as a Standard MIDI file."""
        number = _number(version)
        return await read(lambda s, _: s.midi(track_id, number))

    @server.resource(
        "musigen://tracks/{track_id}/files/{name}",
        name="track_file",
        title="A rendered file (audio, stems zip, piano roll...)",
        mime_type="application/octet-stream",
    )
    async def track_file(track_id: str, name: str) -> bytes:
        """A file render_track wrote for this track, by its file name (see get_track's files)."""
        return await read(lambda s, _: s.render_file(track_id, name).read_bytes())

    @server.resource("musigen://catalog/{kind}", name="catalog", title="A catalogue", mime_type=JSON)
    async def catalog(kind: str) -> str:
        """The instruments, genres, moods or models this studio knows, with the plugin providing each."""
        return json.dumps(await read(lambda s, _: s.list_catalog(kind)))

    @server.completion()
    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        """Track ids, versions of the chosen track, catalogue kinds and genres, by prefix."""
        given = (context.arguments or {}) if context else {}
        if argument.name == "track_id":
            rows = await worker.call(lambda s, _: s.list_tracks(limit=MAX_COMPLETIONS))
            values = [r["id"] for r in rows]
        elif argument.name == "version" and given.get("track_id"):
            try:
                rows = await worker.call(lambda s, _: s.list_versions(given["track_id"]))
            except MusigenError:
                return None
            values = [str(r["number"]) for r in rows]
        elif argument.name == "kind":
            values = list(CATALOG_KINDS)
        elif argument.name == "genre":
            values = sorted(worker.services.plugins.catalog.genres)
        else:
            return None
        matches = [v for v in values if v.startswith(argument.value)]
        return Completion(values=matches[:MAX_COMPLETIONS], total=len(matches), has_more=len(matches) > MAX_COMPLETIONS)


def _number(version: str) -> int:
    if not version.isdigit():
        raise ResourceNotFoundError(f"Version must be a number (1, 2, ...), not {version!r}.")
    return int(version)
