"""Neural backend, torch-free side: corpus index with rejections, tokens, import, restyle, classifier, no-torch path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import symusic

from musigen_agent.compose import compose
from musigen_agent.errors import InvalidInput
from musigen_agent.export import midi_bytes
from musigen_agent.midi_import import import_midi
from musigen_agent.neural.data import index, load_index, rejections
from musigen_agent.neural.restyle import restyle
from musigen_agent.neural.tokens import VOCAB, decode, encode_bars, load_piece
from musigen_agent.spec import PartSpec, SectionSpec, TrackSpec


def small_spec(genre: str = "folk", mood: str = "happy", seed: int = 1, key: str = "G", mode: str = "major", **kw):
    data = dict(
        genre=genre,
        moods=[mood],
        tempo=110,
        key=key,
        mode=mode,
        meter="4/4",
        sections=[
            SectionSpec(name="verse", bars=4),
            SectionSpec(name="chorus", bars=4),
            SectionSpec(name="verse_2", bars=4),
        ],
        parts=[
            PartSpec(name="violin", instrument="violin", role="melody"),
            PartSpec(name="flute", instrument="flute", role="counter_melody"),
            PartSpec(name="acoustic_guitar", instrument="acoustic_guitar", role="harmony"),
            PartSpec(name="acoustic_bass", instrument="acoustic_bass", role="bass"),
        ],
        seed=seed,
    )
    data.update(kw)
    return TrackSpec(**data)


def write_corpus(root: Path, plugins) -> None:
    """A few real files (theory compositions) in genre folders plus every kind of broken file."""
    for genre, mood, mode, key in (("folk", "happy", "major", "G"), ("classical", "sad", "minor", "D")):
        for seed in range(3):
            spec = small_spec(genre, mood, seed, key=key, mode=mode)
            path = root / genre / "set" / f"{genre}_{seed}.mid"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(midi_bytes(compose(spec, plugins).arrangement))
    bad = root / "junk"
    bad.mkdir()
    (bad / "empty.mid").write_bytes(b"")
    (bad / "corrupt.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage-not-midi")
    (bad / "huge.mid").write_bytes(b"MThd" + b"\x00" * 2_100_000)
    spec = small_spec(parts=[PartSpec(name="drum_kit", instrument="drum_kit", role="rhythm")])
    (bad / "drums.mid").write_bytes(midi_bytes(compose(spec, plugins).arrangement))
    zero = symusic.Score(480)
    track = symusic.Track(name="blip", program=0)
    track.notes.append(symusic.Note(0, 0, 60, 80))
    zero.tracks.append(track)
    zero.dump_midi(str(bad / "zero.mid"))
    arr = compose(small_spec(), plugins).arrangement
    silent = arr.model_copy(update={"parts": [p.model_copy(update={"notes": []}) for p in arr.parts]})
    (bad / "nonotes.mid").write_bytes(midi_bytes(silent))


def test_index_rejects_broken_files_with_reasons_and_resumes(tmp_path, plugins):
    write_corpus(tmp_path / "midi", plugins)
    db = tmp_path / "index.sqlite"
    summary = index(tmp_path / "midi", db, workers=2, max_mb=2.0)
    assert summary["ok"] == 6 and summary["rejected"] == 6
    reasons = {Path(p).name: r for p, r in rejections(db).items()}
    assert reasons["empty.mid"].startswith("empty")
    assert reasons["corrupt.mid"].startswith("corrupt")
    assert reasons["huge.mid"].startswith("huge")
    assert reasons["drums.mid"].startswith("no pitched notes")
    assert reasons["nonotes.mid"].startswith("empty")
    assert reasons["zero.mid"].startswith("zero-length")
    rows = load_index(db)
    assert {r["genre"] for r in rows} == {"folk", "classical"}
    folk = next(r for r in rows if r["genre"] == "folk")
    assert (folk["tonic"], folk["mode"], folk["meter"], folk["tempo"]) == (7, "major", "4/4", 110.0)
    again = index(tmp_path / "midi", db, workers=1)
    assert again["skipped_unchanged"] == 12 and again["ok"] == again["rejected"] == 0


def test_tokens_round_trip_in_c_and_know_the_chords(tmp_path, plugins):
    write_corpus(tmp_path / "midi", plugins)
    index(tmp_path / "midi", tmp_path / "i.sqlite", workers=1)
    row = next(r for r in load_index(tmp_path / "i.sqlite") if r["genre"] == "folk")
    piece = load_piece(row)
    assert piece is not None and piece.meter == "4/4" and piece.bars == 12 and piece.voices[0]
    body, offsets = encode_bars(piece)
    assert len(offsets) == 12 and all(VOCAB[body[o]] == "BAR" for o in offsets)
    assert decode(body, piece.meter)[0][:8] == [(s, min(d, 48), p) for s, d, p in piece.voices[0][:8]]
    in_c = sum(p % 12 in (0, 2, 4, 5, 7, 9, 11) for _, _, p in piece.voices[0]) / len(piece.voices[0])
    assert in_c > 0.85  # G major moved to C
    assert piece.chords[0] is not None


def test_restyle_keeps_melody_and_harmony_of_a_track_and_of_an_imported_file(plugins, catalog):
    spec = small_spec()
    arr = compose(spec, plugins).arrangement
    new_spec, new = restyle(arr, spec, catalog, genre="jazz", mood="relaxed")
    assert new_spec.genre == "jazz" and new_spec.moods == ["relaxed"] and new_spec.key == "G"
    lead = next(p for p in new.parts if p.role == "melody")
    assert [(n.start, n.pitch % 12) for n in lead.notes] == [(n.start, n.pitch % 12) for n in arr.part("violin").notes]
    assert [s.chords for s in new.sections] == [s.chords for s in arr.sections]
    assert {p.instrument for p in new.parts} != {p.instrument for p in arr.parts}
    imported_spec, imported = import_midi(midi_bytes(arr), catalog)
    rock_spec, rock = restyle(imported, imported_spec, catalog, genre="rock", mood="energetic")
    assert rock_spec.genre == "rock" and rock.end_tick == imported.end_tick
    tune = [(n.start, n.pitch % 12) for n in next(p for p in imported.parts if p.role == "melody").notes]
    assert [(n.start, n.pitch % 12) for n in next(p for p in rock.parts if p.role == "melody").notes] == tune


def test_classifier_gives_probabilities_for_every_genre_and_mood(plugins, catalog):
    from musigen_agent.neural.classify import classify

    out = classify(compose(small_spec("folk", "happy"), plugins).arrangement)
    assert set(out["genre"]) >= {"folk", "jazz", "classical"} and set(out["mood"]) >= {"happy", "sad"}
    assert abs(sum(out["genre"].values()) - 1) < 1e-3 and abs(sum(out["mood"].values()) - 1) < 1e-3


SIMULATE_NO_TORCH = """
import sys
sys.modules["torch"] = None
from musigen_agent.plugin_manager import load_plugins
p = load_plugins(entry_points=False)
m = p.catalog.models["neural"]
print(m.available, "|", m.unavailable_reason)
assert "torch" not in [k for k, v in sys.modules.items() if v is not None]
"""


def test_backend_is_listed_unavailable_without_torch():
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", SIMULATE_NO_TORCH], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False | needs the [neural] extra: pip install 'musigen-agent[neural]'"


def test_compose_with_unavailable_neural_is_a_clear_error(monkeypatch):
    import musigen_agent.neural as neural
    from musigen_agent.plugin_manager import load_plugins

    monkeypatch.setattr(neural.importlib.util, "find_spec", lambda name: None)
    p = load_plugins(entry_points=False)
    with pytest.raises(InvalidInput, match=r"\[neural\] extra"):
        compose(small_spec(model="neural"), p)
