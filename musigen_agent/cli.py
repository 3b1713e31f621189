"""Command-line adapter: each command parses arguments and calls one services function.

Every command takes ``--db PATH`` and ``--json`` (one JSON document on stdout; messages
on stderr), exits non-zero with a one-line message naming what to fix, and shows a
traceback only with ``--debug``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import InvalidInput, MusigenError
from .services import FORMATS, Services, open_services
from .summary import headline

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="musigen: describe a track in words, refine it, render MIDI and audio.",
)

Db = Annotated[Path | None, typer.Option("--db", help="registry.sqlite path (default $MUSIGEN_DB or ~/.musigen).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def command(
    fn: Callable[..., Any], name: str | None = None, help: str | None = None, app_: typer.Typer | None = None
) -> Callable[..., Any]:
    """Register ``fn`` as a command whose errors become one-line messages and exit codes (2 bad input, 1 internal)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MusigenError as exc:
            if kwargs.get("debug"):
                raise
            detail = exc.to_dict()
            _err(f"error: {exc.message}" + (f" (field: {exc.field})" if exc.field else "") + _allowed(exc))
            if kwargs.get("as_json"):
                typer.echo(json.dumps(detail))
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if kwargs.get("debug"):
                raise
            _err(f"internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)")
            raise typer.Exit(1) from None

    if name is None and fn.__name__.endswith("_"):  # list_, import_: Python keywords/builtins as command names
        name = fn.__name__.rstrip("_")
    return (app_ or app).command(name=name, help=help)(wrapper)


def _allowed(exc: MusigenError) -> str:
    """The allowed values, when the message does not already list them."""
    if not isinstance(exc.allowed, list) or not exc.allowed or str(exc.allowed[0]) in exc.message:
        return ""
    shown = ", ".join(str(a) for a in exc.allowed[:20]) + (", ..." if len(exc.allowed) > 20 else "")
    return f" allowed: {shown}"


def _services(db: Path | None) -> Services:
    return open_services(db=db)


def _out(data: Any, as_json: bool, human: Callable[[Any], None]) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        human(data)


def _print_track(view: dict[str, Any]) -> None:
    typer.echo(f"track {view['track_id']} version {view['version']}")
    typer.echo("  " + headline(view))
    for s in view["summary"]["sections"]:
        typer.echo(f"  {s['name']:<12} {s['bars']:>3} bars  {' '.join(s['chords'])}")
    for name, choice in view.get("provenance", {}).items():
        why = choice["source"] + (f" by {', '.join(repr(w) for w in choice['words'])}" if choice["words"] else "")
        note = f" - {choice['note']}" if choice.get("note") else ""
        typer.echo(f"  {name:<12} {_short(choice['value']):<40} {why}{note}")
    for note in view.get("notes", []):
        typer.echo(f"  note: {note}")
    if view.get("ignored"):
        typer.echo(f"  ignored words: {', '.join(view['ignored'])}")
    for f in view.get("files", []):
        typer.echo(f"  wrote {f['path']} ({f['bytes']} bytes)")


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _json_arg(text: str, field: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--{field} is not valid JSON: {exc.msg}", field=field) from None


def _formats(text: str) -> list[str]:
    return [f for f in text.split(",") if f.strip()]


@command
def compose(
    description: Annotated[str, typer.Argument(help='What to compose, e.g. "a sad piano piece in D minor".')] = "",
    genre: Annotated[str | None, typer.Option(help="Genre (see `musigen genres`).")] = None,
    mood: Annotated[list[str] | None, typer.Option(help="Mood; repeat for a blend.")] = None,
    tempo: Annotated[int | None, typer.Option(help="Beats per minute, 20-300.")] = None,
    key: Annotated[str | None, typer.Option(help='Key, e.g. "F#", "Bb minor".')] = None,
    meter: Annotated[str | None, typer.Option(help="Time signature, e.g. 3/4.")] = None,
    length: Annotated[str | None, typer.Option(help='Length: seconds, "2:30" or "32 bars".')] = None,
    instrument: Annotated[list[str] | None, typer.Option(help="Instrument; repeat for several.")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (same seed, same notes).")] = None,
    model: Annotated[str | None, typer.Option(help="Model backend (see `musigen models`).")] = None,
    title: Annotated[str | None, typer.Option(help="Title.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the files.")] = Path("out"),
    format: Annotated[str, typer.Option("--format", help="Comma-separated: mid,wav,json.")] = "mid,wav",
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Compose a track from words and write its files."""
    overrides = {
        "genre": genre,
        "mood": mood or None,
        "tempo": tempo,
        "key": key,
        "meter": meter,
        "length": length,
        "instruments": instrument or None,
        "seed": seed,
        "model": model,
        "title": title,
    }
    view = _services(db).compose(description, overrides, formats=_formats(format), out_dir=out)
    _out(view, as_json, _print_track)


@command
def refine(
    track_id: Annotated[str, typer.Argument(help="Track id.")],
    instruction: Annotated[str, typer.Argument(help='What to change, e.g. "darker, no drums in the intro".')] = "",
    op: Annotated[
        list[str] | None, typer.Option(help='A typed op as JSON, e.g. \'{"op": "set_tempo", "bpm": 80}\'.')
    ] = None,
    version: Annotated[
        int | None, typer.Option(help="Refine this version (default: latest); older ones branch.")
    ] = None,
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Refine a track in words and/or typed ops; makes a new version."""
    ops = [_json_arg(o, "op") for o in op or []]
    view = _services(db).refine(track_id, instruction, ops, version)

    def human(v: dict[str, Any]) -> None:
        for a in v["applied"]:
            typer.echo(
                f"  {a['op']['op']:<18} {json.dumps({k: x for k, x in a['op'].items() if k != 'op'})}"
                + (f"  <- {a['words']!r}" if a["words"] else "")
            )
        for words in v["not_understood"]:
            typer.echo(f"  not understood: {words}")
        _print_track(v)

    _out(view, as_json, human)


@command
def diff(
    track_id: Annotated[str, typer.Argument(help="Track id.")],
    a: Annotated[int, typer.Argument(help="Version before.")],
    b: Annotated[int, typer.Argument(help="Version after.")],
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Show what changed between two versions."""

    def human(d: dict[str, Any]) -> None:
        for step in d["ops"] or []:
            typer.echo(f"  v{step['version']}: {json.dumps(step['op'])}")
        for name, change in d["fields"].items():
            typer.echo(f"  {name}: {change['from']} -> {change['to']}")
        if d["form"]:
            typer.echo(f"  form: {d['form']['from']} -> {d['form']['to']}")
        for name, part in d["parts"].items():
            typer.echo(f"  {name}: {json.dumps(part)}")

    _out(_services(db).diff(track_id, a, b), as_json, human)


@command
def revert(
    track_id: Annotated[str, typer.Argument(help="Track id.")],
    version: Annotated[int, typer.Argument(help="Version to bring back (as a new version).")],
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Make a new version identical to an older one."""
    _out(_services(db).revert(track_id, version), as_json, _print_track)


@command
def analyze(
    track_id: Annotated[str, typer.Argument(help="Track id.")],
    version: Annotated[int | None, typer.Option(help="Version number (default: latest).")] = None,
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Measure a track: key heard vs asked, scale, entropy, groove, chord tones, against real-music ranges."""

    def human(a: dict[str, Any]) -> None:
        for name, value in a["control"].items():
            typer.echo(f"  {name:<12} {json.dumps(value, default=str)}")
        for group, metrics in a["reference"].items():
            if isinstance(metrics, dict):
                for metric, m in metrics.items():
                    flag = "ok " if m.get("in_range") else "OUT"
                    typer.echo(f"  {flag} {group}.{metric:<24} {m['value']}  (real music {m['lo']}-{m['hi']})")

    _out(_services(db).analyze(track_id, version), as_json, human)


@command
def import_(
    path: Annotated[Path, typer.Argument(help="A .mid file.", exists=True, dir_okay=False, readable=True)],
    title: Annotated[str | None, typer.Option(help="Title (default: the file name).")] = None,
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Import a MIDI file as a new track you can refine and render."""
    _out(_services(db).import_midi(path.read_bytes(), title or path.stem), as_json, _print_track)


@command
def render(
    track_id: Annotated[str, typer.Argument(help="Track id.")],
    version: Annotated[int | None, typer.Option(help="Version number (default: latest).")] = None,
    format: Annotated[str, typer.Option("--format", help="Comma-separated: " + ",".join(FORMATS) + ".")] = "wav",
    stems: Annotated[bool, typer.Option("--stems", help="Also write the stems: a zip of one WAV per part.")] = False,
    out: Annotated[Path, typer.Option(help="Folder for the files.")] = Path("out"),
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Render a stored track (or one of its versions) to files."""
    formats = _formats(format) + (["stems"] if stems else [])
    _out(_services(db).render(track_id, version, formats=formats, out_dir=out), as_json, _print_track)


@command
def mix(
    track_id: Annotated[str, typer.Argument(help="Track id.")],
    track: Annotated[str, typer.Option("--track", help="Part to change (name or instrument).")],
    gain: Annotated[float | None, typer.Option(help="Fader gain, dB (-60..12).")] = None,
    pan: Annotated[float | None, typer.Option(help="Pan, -1 left .. 1 right.")] = None,
    mute: Annotated[bool | None, typer.Option("--mute/--unmute")] = None,
    solo: Annotated[bool | None, typer.Option("--solo/--unsolo")] = None,
    reverb: Annotated[float | None, typer.Option(help="Reverb send, 0..1.")] = None,
    low_cut: Annotated[float | None, typer.Option(help="High-pass cut-off, Hz (0 = off).")] = None,
    eq_low: Annotated[float | None, typer.Option(help="Low shelf at 200 Hz, dB.")] = None,
    eq_mid: Annotated[float | None, typer.Option(help="Peak at 1 kHz, dB.")] = None,
    eq_high: Annotated[float | None, typer.Option(help="High shelf at 5 kHz, dB.")] = None,
    comp_threshold: Annotated[float | None, typer.Option(help="Compressor threshold, dBFS.")] = None,
    comp_ratio: Annotated[float | None, typer.Option(help="Compression ratio (1 = off).")] = None,
    version: Annotated[int | None, typer.Option(help="Version to change (default: latest).")] = None,
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Change one part's mix: a new version whose next render re-uses every cached stem."""
    op = {
        "op": "mix",
        "part": track,
        "gain_db": gain,
        "pan": pan,
        "mute": mute,
        "solo": solo,
        "reverb": reverb,
        "low_cut_hz": low_cut,
        "eq_low_db": eq_low,
        "eq_mid_db": eq_mid,
        "eq_high_db": eq_high,
        "comp_threshold_db": comp_threshold,
        "comp_ratio": comp_ratio,
    }
    op = {k: v for k, v in op.items() if v is not None}
    _out(_services(db).refine(track_id, "", [op], version), as_json, _print_track)


plugin_app = typer.Typer(no_args_is_help=True, help="Write plugins (the guide is docs/plugins.md).")
app.add_typer(plugin_app, name="plugin")


def new(
    name: Annotated[str, typer.Argument(help="Plugin name: 2-40 lower-case letters, digits and _, e.g. kalimba.")],
    kind: Annotated[str, typer.Option(help="What it provides: instrument, genre, mood or model.")] = "instrument",
    dest: Annotated[Path, typer.Option(help="Folder to create the musigen-NAME package in.")] = Path("."),
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Write a ready-to-install plugin package: pyproject entry point, a working hook, README, kit-based test."""
    from .scaffold import new_plugin

    project = new_plugin(name, kind, dest)  # type: ignore[arg-type]  # checked there, naming the field
    files = sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())
    data = {"path": str(project), "files": files, "next": f"cd {project} && pip install -e '.[test]' && pytest"}

    def human(d: dict[str, Any]) -> None:
        typer.echo("\n  ".join([f"created {d['path']}", *d["files"]]))
        typer.echo(f"next: {d['next']}")

    _out(data, as_json, human)


command(new, app_=plugin_app)


@command
def show(
    track_id: Annotated[str, typer.Argument(help="Track id.")],
    version: Annotated[int | None, typer.Option(help="Version number (default: latest).")] = None,
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Show a stored track: its form, chords, parts and files."""
    _out(_services(db).get_track(track_id, version), as_json, _print_track)


@command
def tracks(db: Db = None, as_json: AsJson = False, debug: Debug = False) -> None:
    """List stored tracks, newest first."""
    _out(
        _services(db).list_tracks(),
        as_json,
        lambda rows: [typer.echo(f"{r['id']}  v{r['head']}  {r['updated']}  {r['title']}") for r in rows],
    )


@command
def versions(
    track_id: Annotated[str, typer.Argument(help="Track id.")],
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """List the versions of a track."""
    _out(
        _services(db).list_versions(track_id),
        as_json,
        lambda rows: [
            typer.echo(f"v{r['number']}  parent={r['parent']}  {r['created']}  {r['instruction'] or ''}") for r in rows
        ],
    )


@command
def plugins(db: Db = None, as_json: AsJson = False, debug: Debug = False) -> None:
    """List plugins, what they provide and whether they loaded."""

    def human(rows: list[dict[str, Any]]) -> None:
        for r in rows:
            provides = "; ".join(f"{k}: {len(v)}" for k, v in r["provides"].items())
            typer.echo(f"{r['status']:<12} {r['name']}  [{r['source']}] {provides}")
            if r["error"]:
                typer.echo(f"             {r['error']}")

    _out(_services(db).list_plugins(), as_json, human)


@command
def serve(
    host: Annotated[str, typer.Option(help="Address to bind; beyond loopback API keys are required.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    require_keys: Annotated[
        bool | None, typer.Option("--require-keys/--open", help="Force key checks on or off (loopback only).")
    ] = None,
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Serve the HTTP API (OpenAPI at /docs) with the MCP server mounted at /mcp."""
    from .http import serve as serve_http

    serve_http(_services(db), host, port, require_keys=require_keys)


@command
def mcp(
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP instead of stdio.")] = False,
    host: Annotated[str, typer.Option(help="Address for --http.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for --http.")] = 8765,
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Run the MCP server: stdio for desktop assistants, or streamable HTTP with --http."""
    from .mcp_server import run_http, run_stdio

    if http:
        run_http(_services(db), host, port)
    else:
        run_stdio(_services(db))


keys_app = typer.Typer(no_args_is_help=True, help="API keys for the HTTP server (stored hashed).")
app.add_typer(keys_app, name="keys")


def _keys_command(fn: Callable[..., Any]) -> Callable[..., Any]:
    return command(fn, app_=keys_app)


@_keys_command
def create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key.")],
    scope: Annotated[list[str] | None, typer.Option(help="read, compose or admin; repeatable.")] = None,
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Create a key and print its token once (only its hash is stored)."""
    token, record = _services(db).create_key(name, scope or ["read"])
    _out({"token": token, **record}, as_json, lambda r: typer.echo(f"{r['id']} {r['scopes']}\ntoken: {token}"))


@_keys_command
def list_(db: Db = None, as_json: AsJson = False, debug: Debug = False) -> None:
    """List keys (never their tokens)."""
    _out(
        _services(db).list_keys(),
        as_json,
        lambda rs: [typer.echo(f"{r['id']}  {r['name']}  {r['scopes']}  revoked={r['revoked']}") for r in rs],
    )


@_keys_command
def revoke(
    key_id: Annotated[str, typer.Argument(help="Key id (or its unique name).")],
    db: Db = None,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Revoke a key."""
    _out(_services(db).revoke_key(key_id), as_json, lambda r: typer.echo(f"revoked {r['id']}"))


data_app = typer.Typer(no_args_is_help=True, help="MIDI corpora for training the neural backend.")
app.add_typer(data_app, name="data")


def _progress(fraction: float, message: str) -> None:
    typer.echo(f"{fraction:4.0%} {message}", err=True)


def data_index(
    path: Annotated[Path, typer.Argument(help="Folder of MIDI files, any depth; genre from folder names.")],
    out: Annotated[Path, typer.Option(help="sqlite index to create or extend (resumable).")] = Path("index.sqlite"),
    workers: Annotated[int, typer.Option(help="Parser processes.")] = 2,
    default_genre: Annotated[str, typer.Option(help="Genre of files outside genre-named folders.")] = "unknown",
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Index a folder of MIDI files; broken, empty or huge files are rejected with a reason."""
    from .neural.data import index

    if not path.is_dir():
        raise InvalidInput(f"{path} is not a folder of MIDI files", field="path")
    summary = index(path, out, workers=workers, progress=_progress, default_genre=default_genre)
    _out(
        summary,
        as_json,
        lambda s: typer.echo(
            f"{s['ok']} usable, {s['rejected']} rejected, {s['skipped_unchanged']} unchanged -> {s['index']}"
        ),
    )


command(data_index, name="index", app_=data_app)


def train_model(
    data: Annotated[Path, typer.Option(help="Index from `musigen data index`, or a MIDI folder (indexed first).")],
    out: Annotated[Path, typer.Option(help="Folder for model.pt, checkpoint.pt and metrics.json.")],
    steps: Annotated[int, typer.Option(help="Optimiser steps (600 = the shipped model, ~12 min on 2 cores).")] = 600,
    seed: Annotated[int, typer.Option(help="Random seed (same seed and data, same weights).")] = 0,
    resume: Annotated[bool, typer.Option(help="Continue from OUT/checkpoint.pt.")] = False,
    as_json: AsJson = False,
    debug: Debug = False,
) -> None:
    """Train the neural backend's transformer on CPU; use it with MUSIGEN_NEURAL_WEIGHTS=OUT/model.pt."""
    from .neural import torch_missing_reason

    if reason := torch_missing_reason():
        raise InvalidInput(f"training {reason}", field="train")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch starts its threads: no spinning on shared CPUs
    from .plugins.models.neural.train import train

    metrics = train(data, out, steps=steps, seed=seed, resume=resume, progress=_progress)
    _out(
        metrics,
        as_json,
        lambda m: typer.echo(
            f"val loss {m['val_loss']:.3f} vs {m['ngram_baseline']['name']} {m['ngram_baseline']['val_loss']:.3f}; "
            f"weights {out / 'model.pt'}"
        ),
    )


command(train_model, name="train")


def _catalog_command(kind: str, columns: Callable[[dict[str, Any]], str]) -> None:
    def listing(db: Db = None, as_json: AsJson = False, debug: Debug = False) -> None:
        _out(_services(db).list_catalog(kind), as_json, lambda rows: [typer.echo(columns(r)) for r in rows])

    command(listing, name=kind, help=f"List the {kind} the plugins provide.")


_catalog_command(
    "instruments",
    lambda r: (
        f"{r['name']:<18} {r['family']:<12} program {r['gm_program']:<4} roles {', '.join(r['roles'])}  [{r['plugin']}]"
    ),
)
_catalog_command(
    "genres",
    lambda r: (
        f"{r['name']:<12} {r['tempo_range'][0]}-{r['tempo_range'][1]} bpm  "
        f"{', '.join(r['instruments'])}  [{r['plugin']}]"
    ),
)
_catalog_command(
    "moods",
    lambda r: (
        f"{r['name']:<12} {r['mode']:<6} {r['tempo_range'][0]}-{r['tempo_range'][1]} bpm "
        f"{r['dynamics']} {r['articulation']}  [{r['plugin']}]"
    ),
)
_catalog_command(
    "models",
    lambda r: (
        f"{r['name']:<12} {'available' if r['available'] else 'unavailable: ' + r['unavailable_reason']}"
        f"  {r['description']}  [{r['plugin']}]"
    ),
)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="musigen")


if __name__ == "__main__":
    sys.exit(main())
