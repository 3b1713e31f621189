"""Packaging of tool results: structured data, a line of text, audio, errors.

Every tool answers with the services' dict as ``structuredContent`` (for programs and
for models that read JSON) plus a short text (for models and people that read words).
A :class:`~musigen_agent.errors.MusigenError` becomes an ``isError`` result whose text
says what was wrong, with which field, what is allowed and the closest names, so the
assistant can correct its call instead of giving up.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import soundfile as sf
from mcp_types import AudioContent, CallToolResult, ContentBlock, TextContent
from pydantic import BaseModel, ConfigDict

from ..errors import MusigenError
from ..summary import headline

#: Longest audio preview a tool result carries (the files themselves are on disk).
MAX_PREVIEW_SECONDS = 60.0
#: How a preview is encoded: MP3 at about 75 kbit/s keeps 20 s of stereo near 190 KB (3.5 MB as WAV);
#: WAV only where libsndfile cannot write MP3.
_PREVIEW: tuple[str, str, dict[str, Any]] = (
    ("MP3", "audio/mpeg", {"compression_level": 0.7})
    if "MP3" in sf.available_formats()
    else ("WAV", "audio/wav", {"subtype": "PCM_16"})
)
#: Rendered formats a preview can be cut from (decoded with libsndfile).
_AUDIO_FORMATS = ("wav", "flac", "ogg", "mp3")
#: How many allowed names an error text lists before eliding.
_SHOWN = 40


class TrackView(BaseModel):
    """A stored version of a track, as every track tool returns it (extra keys per tool)."""

    model_config = ConfigDict(extra="allow")

    track_id: str
    version: int
    spec: dict[str, Any]
    mix: dict[str, Any]
    summary: dict[str, Any]
    files: list[dict[str, Any]]


class TrackList(BaseModel):
    tracks: list[dict[str, Any]]


class VersionList(BaseModel):
    track_id: str
    versions: list[dict[str, Any]]


class CatalogList(BaseModel):
    kind: str
    items: list[dict[str, Any]]


class PluginList(BaseModel):
    plugins: list[dict[str, Any]]


class AnalysisView(BaseModel):
    """What analyze_track returns: piece and part metrics, spec agreement, reference ranges."""

    model_config = ConfigDict(extra="allow")

    track_id: str
    version: int
    piece: dict[str, Any]
    parts: dict[str, Any] | list[Any]
    control: dict[str, Any]
    reference: dict[str, Any]


def analysis_text(a: dict[str, Any]) -> str:
    """The few numbers an assistant should read first."""
    key = a["control"].get("key", {})
    out = [
        f"{group}.{name}"
        for group, metrics in a["reference"].items()
        if isinstance(metrics, dict)
        for name, m in metrics.items()
        if isinstance(m, dict) and m.get("in_range") is False
    ]
    return (
        f"{a['track_id']} v{a['version']}: key heard {key.get('estimate')} ({key.get('agreement')}), "
        f"scale consistency {a['piece'].get('scale_consistency')}, entropy {a['piece'].get('pitch_class_entropy')}; "
        f"outside real-music ranges: {', '.join(out) or 'none'}."
    )


def result(data: dict[str, Any], text: str, *extra: ContentBlock) -> CallToolResult:
    """A successful result: ``data`` as structured content, ``text`` (and any media) as content."""
    return CallToolResult(content=[TextContent(type="text", text=text), *extra], structured_content=data)


def error(exc: MusigenError) -> CallToolResult:
    """An ``isError`` result an assistant can act on (the structured part is ``exc.to_dict()``)."""
    lines = [exc.message if exc.message.endswith((".", "?", "!")) else f"{exc.message}."]
    if exc.field:
        lines.append(f"Field: {exc.field}.")
    said = exc.message  # most messages already name the closest and the known names: don't repeat them
    if exc.suggestions and not all(s in said for s in exc.suggestions):
        lines.append(f"Did you mean: {', '.join(exc.suggestions)}?")
    if isinstance(exc.allowed, list) and exc.allowed and not all(str(a) in said for a in exc.allowed[:_SHOWN]):
        shown = ", ".join(map(str, exc.allowed[:_SHOWN])) + (", ..." if len(exc.allowed) > _SHOWN else "")
        lines.append(f"Allowed: {shown}.")
    elif exc.allowed is not None and not isinstance(exc.allowed, list):
        lines.append(f"Allowed: {json.dumps(exc.allowed, default=str)}.")
    return CallToolResult(
        content=[TextContent(type="text", text=" ".join(lines))], structured_content=exc.to_dict(), is_error=True
    )


def track_text(view: dict[str, Any], lead: str) -> str:
    """``lead`` then the one-line headline of the piece (what a person would want to hear first)."""
    return f"{lead} {headline(view)}"


def preview(files: list[dict[str, Any]], seconds: float) -> AudioContent | None:
    """The first ``seconds`` of the first rendered audio file, re-encoded small; None without audio.

    Reads the file the services wrote (so the preview is exactly what was rendered)
    and cuts it: a whole track as WAV would be megabytes of base64 in the context.
    """
    source = next((f for f in files if f["format"] in _AUDIO_FORMATS), None)
    if source is None or seconds <= 0:
        return None
    with sf.SoundFile(Path(source["path"])) as audio:
        rate = audio.samplerate
        frames = audio.read(int(min(seconds, MAX_PREVIEW_SECONDS) * rate), dtype="float32")
    file_format, mime_type, options = _PREVIEW
    buffer = io.BytesIO()
    sf.write(buffer, frames, rate, format=file_format, **options)
    return AudioContent(type="audio", data=base64.b64encode(buffer.getvalue()).decode(), mime_type=mime_type)
