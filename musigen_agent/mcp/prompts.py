"""Prompts that teach an assistant how to work the studio.

The tools are small on purpose; what makes them useful is the loop (describe ->
listen -> refine -> listen) and the vocabulary the refine parser understands.  These
prompts spell both out, with the examples taken from the parser itself so they never
drift from what it really accepts.
"""

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import Message, UserMessage
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from pydantic import Field

from ..errors import MusigenError, unknown
from ..refine_words import EXAMPLES
from ..summary import headline
from .arguments import Vocabulary
from .worker import Worker


def add_prompts(server: MCPServer, worker: Worker, vocab: Vocabulary) -> None:
    """Register compose_and_refine and rearrange on ``server``."""

    @server.prompt(name="compose_and_refine", title="Compose a track, listen, refine it")
    def compose_and_refine(
        description: Annotated[str, Field(description="What the track should be, in words.")] = "",
    ) -> list[Message]:
        """The describe -> listen -> refine loop, with the instructions the studio understands."""
        ask = f"The track I want: {description}\n\n" if description.strip() else ""
        examples = "\n".join(f"- {e}" for e in EXAMPLES)
        return [
            UserMessage(
                f"{ask}Work with the musigen tools like this:\n"
                "1. compose_track with the description in words. Pass explicit fields (genre, mood, tempo, key, "
                "instruments, length, sections) only for what must be exact; they beat the words. Names come "
                "from list_instruments, list_genres, list_moods.\n"
                "2. Read the result: the summary (tempo, key, form with chords, parts and roles), `provenance` "
                "(why each field got its value) and `ignored` (words not understood: rephrase them).\n"
                "3. render_track to listen: the result carries an audio preview and the file paths.\n"
                "4. refine_track with one short instruction at a time, then listen again. Instructions the studio "
                f"understands include:\n{examples}\n"
                "For anything exact, send typed `ops` instead (see the refine_track schema). Check `applied` and "
                "`not_understood` in each result.\n"
                "5. Every refine is a new version: list_versions shows the history, revert_track brings back an "
                "earlier one, refine_track with `version` branches from it.\n"
                "6. When it sounds right, render_track with the formats wanted."
            )
        ]

    @server.prompt(name="rearrange", title="Rearrange a track in another genre")
    async def rearrange(
        track_id: Annotated[str, Field(description="The track to rearrange (from list_tracks).")],
        genre: Annotated[str, Field(description="The genre to arrange it in (from list_genres).")],
    ) -> list[Message]:
        """Arrange an existing track in another genre, keeping what makes it that track."""
        try:
            if genre not in vocab.names["genres"]:
                raise unknown("genre", genre, vocab.names["genres"])
            now = headline(await worker.call(lambda s, _: s.get_track(track_id)))
        except MusigenError as exc:  # a protocol error carries its message to the client; others would not
            raise MCPError(code=INVALID_PARAMS, message=exc.message, data=exc.to_dict()) from exc
        return [
            UserMessage(
                f"Rearrange musigen track {track_id} as {genre}. It is now: {now}\n"
                f'1. refine_track {track_id} with ops [{{"op": "change_genre", "genre": "{genre}"}}]. This '
                "keeps the form and the harmony and re-voices the band, grooves and feel for the genre.\n"
                "2. Read the new summary. Where an instrument does not suit the genre (list_genres shows each "
                "genre's band), refine with replace_instrument or add_instrument ops; adjust tempo with set_tempo "
                "if it is outside the genre's range.\n"
                "3. render_track to listen to the preview and compare with the previous version.\n"
                "4. If a step made it worse, revert_track to the version before it (list_versions shows them)."
            )
        ]
