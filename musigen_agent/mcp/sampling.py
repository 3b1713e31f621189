"""Asking the client's model (MCP sampling) about words the deterministic parser missed.

The offline parser understands a large but finite vocabulary.  When a client declares
the ``sampling`` capability and a description or instruction has words the parser did
not understand, the server asks the client's own model to translate those words into
the typed language the services accept (explicit compose fields, refine ops).  The
answer is validated like any other input: anything malformed is dropped and the
deterministic reading is used, so sampling can only add understanding, never break a
call.  Without the capability nothing changes.

The asking is done by SDK resolvers (``Resolve`` + ``Sample``), which speak both eras
of the protocol: a mid-call ``sampling/createMessage`` request on handshake-era
connections, an ``input_required`` round trip on 2026-07-28+ ones.  Resolvers run
before the tool body (and again on each round), so they only *read*: nothing is
stored until the tool body runs with the answer.  (No ``from __future__ import
annotations`` here: the SDK reads the resolvers' ``Resolve`` annotations at runtime.)
"""

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Resolve, Sample
from mcp_types import CreateMessageResult, SamplingMessage, TextContent

from ..errors import MusigenError
from ..services import Progress, Services
from ..spec import METERS, TEMPO_RANGE
from ..summary import headline
from .worker import Worker

MAX_TOKENS = 1000
#: Compose fields the model may set, with what each takes (catalogue names are added per server).
COMPOSE_FIELDS = {
    "genre": "one genre name",
    "mood": "one mood name or a list of up to 3",
    "tempo": f"an integer bpm, {TEMPO_RANGE[0]}-{TEMPO_RANGE[1]}",
    "key": "tonic and optional mode, e.g. 'F# minor'",
    "meter": f"one of {', '.join(METERS)}",
    "length": "seconds or words such as '2:30' or '32 bars'",
    "instruments": "a list of instrument names (the whole band)",
    "sections": "the form as a list of lower-case section names",
}
#: Provenance key of each compose field (where they differ).
_PROVENANCE_KEY = {"mood": "moods"}


@dataclass
class Reading:
    """Words the deterministic parser could not place: the question for the model, and what must not change."""

    prompt: str
    stated: set[str] = field(default_factory=set)


def supports_sampling(ctx: Context[Any, Any]) -> bool:
    """Whether the client declared the sampling capability on this connection or request."""
    caps = ctx.client_capabilities
    return caps is not None and caps.sampling is not None


def reply_json(answer: CreateMessageResult | None) -> Any:
    """The first JSON value in the model's reply (code fences and chatter around it are ignored).

    Raises ValueError when the reply holds no JSON.
    """
    if answer is None or not isinstance(answer.content, TextContent):
        raise ValueError("the reply has no text")
    text = answer.content.text
    starts = [i for i in (text.find("["), text.find("{")) if i >= 0]
    if not starts:
        raise ValueError("the reply has no JSON")
    value, _ = json.JSONDecoder().raw_decode(text[min(starts) :])
    return value


def sampled_fields(answer: CreateMessageResult, reading: Reading) -> dict[str, Any]:
    """Compose fields from the model's reply, without those the words already stated.

    Raises ValueError when the reply is not a JSON object.
    """
    data = reply_json(answer)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object of compose fields")
    return {
        k: v
        for k, v in data.items()
        if k in COMPOSE_FIELDS and v is not None and _PROVENANCE_KEY.get(k, k) not in reading.stated
    }


def sampled_ops(answer: CreateMessageResult) -> list[dict[str, Any]]:
    """Refine ops from the model's reply (a list, ``{"ops": [...]}`` or one op).

    Raises ValueError when the reply holds no ops.
    """
    data = reply_json(answer)
    if isinstance(data, dict):
        data = data.get("ops", [data])
    if not isinstance(data, list) or not all(isinstance(op, dict) for op in data):
        raise ValueError("expected a JSON array of op objects")
    return data


class Sampler:
    """The resolvers of one server: read words offline, ask the client's model when they fall short."""

    def __init__(self, worker: Worker, names: dict[str, list[str]], ops_schema: dict[str, Any]) -> None:
        self._worker = worker
        self._names = names
        self._ops_schema = json.dumps(ops_schema, separators=(",", ":"))

        async def ask_compose(reading: Annotated[Reading | None, Resolve(self.read_description)]) -> Sample | None:
            return _ask(reading)

        async def ask_refine(reading: Annotated[Reading | None, Resolve(self.read_instruction)]) -> Sample | None:
            return _ask(reading)

        #: Resolvers of the model's answer for compose_track and refine_track.
        self.ask_compose, self.ask_refine = ask_compose, ask_refine

    async def read_description(self, description: str, ctx: Context[Any, Any]) -> Reading | None:
        """Resolver: the description's ignored words (None when there is nothing to ask about)."""
        if not supports_sampling(ctx) or not description.strip():
            return None

        def read(services: Services, _: Progress) -> Reading | None:
            try:
                parsed = services.read_description(description)
            except MusigenError:
                return None  # the tool body reports it
            if not parsed["ignored"]:
                return None
            stated = {k for k, c in parsed["provenance"].items() if c["source"] == "stated"}
            understood = {k: parsed["provenance"][k]["value"] for k in sorted(stated)}
            fields = "\n".join(f"- {k}: {v}{self._choices(k)}" for k, v in COMPOSE_FIELDS.items())
            prompt = (
                f"A music request: {description!r}\n"
                f"The parser understood: {json.dumps(understood, default=str)}\n"
                f"It did not understand these words: {json.dumps(parsed['ignored'])}\n"
                f"Fields you may set:\n{fields}\n"
                "Reply with one JSON object setting only the fields those words call for "
                '(for example {"mood": "relaxed"}), or {} if they call for none.'
            )
            return Reading(prompt, stated)

        return await self._worker.call(read)

    async def read_instruction(
        self, track_id: str, instruction: str, version: int | None, ctx: Context[Any, Any]
    ) -> Reading | None:
        """Resolver: the instruction's words the refine parser could not place (None when all were)."""
        if not supports_sampling(ctx) or not instruction.strip():
            return None

        def read(services: Services, _: Progress) -> Reading | None:
            try:
                reading = services.read_instruction(track_id, instruction, version)
            except MusigenError:
                return None  # the tool body reports it
            unknown = list(reading["not_understood"]) or ([] if reading["applied"] else [instruction])
            if not unknown:
                return None
            understood = [a["op"] for a in reading["applied"]]
            view = reading["track"]
            summary = view["summary"]
            parts = ", ".join(f"{p['name']} ({p['instrument']}, {p['role']})" for p in summary["parts"])
            prompt = (
                f"The track: {headline(view)}\n"
                f"Its parts: {parts}\n"
                f"Its sections in order: {', '.join(s['name'] for s in summary['sections'])}\n"
                f"The instruction: {instruction!r}\n"
                f"Already understood as these ops: {json.dumps(understood)}\n"
                f"Not understood: {json.dumps(unknown)}\n"
                f"The ops (JSON schema of one op): {self._ops_schema}\n"
                "Reply with one JSON array of ops doing what the words not understood ask for, using the part "
                "and section names above, or [] if they ask for nothing."
            )
            return Reading(prompt)

        return await self._worker.call(read)

    def _choices(self, name: str) -> str:
        kind = {"genre": "genres", "mood": "moods", "instruments": "instruments"}.get(name)
        return f" (from: {', '.join(self._names[kind])})" if kind else ""


def _ask(reading: Reading | None) -> Sample | None:
    """Sample the client's model about a reading with unknown words (None: nothing to ask)."""
    if reading is None:
        return None
    return Sample(
        [SamplingMessage(role="user", content=TextContent(type="text", text=reading.prompt))],
        max_tokens=MAX_TOKENS,
        system_prompt=(
            "You translate music requests into the exact JSON a music studio accepts. Reply with the JSON only."
        ),
        temperature=0,
    )
