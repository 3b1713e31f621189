"""Neural backend with torch: train, checkpoint, resume, generate end to end; the shipped model's constraints."""

from __future__ import annotations

import json

import pytest
from test_neural_data import small_spec, write_corpus

from musigen_agent.compose import compose
from musigen_agent.export import midi_bytes
from musigen_agent.neural.data import index
from musigen_agent.spec import SectionSpec
from musigen_agent.theory import parse_chord, scale_pcs

TINY = {"context": 64, "d_model": 32, "n_layer": 1, "n_head": 2, "d_ff": 64}


def test_index_train_resume_and_generate_end_to_end(tmp_path, plugins, catalog):
    from musigen_agent.plugins.models.neural import NeuralComposer
    from musigen_agent.plugins.models.neural.train import train

    write_corpus(tmp_path / "midi", plugins)
    db = tmp_path / "index.sqlite"
    index(tmp_path / "midi", db, workers=2)
    out = tmp_path / "run"
    first = train(db, out, steps=3, eval_every=3, seed=1, config=TINY, val_percent=30)
    assert (out / "model.pt").exists() and (out / "checkpoint.pt").exists()
    assert first["val_loss"] > 0 and first["ngram_baseline"]["val_loss"] > 0
    assert first["pieces_train"] + first["pieces_val"] == 6
    resumed = train(db, out, steps=5, eval_every=3, seed=1, config=TINY, val_percent=30, resume=True)
    assert [h["step"] for h in resumed["history"]] == [3, 5]
    assert resumed["history"][0] == first["history"][0]
    assert json.loads((out / "metrics.json").read_text())["steps"] == 5
    backend = NeuralComposer(out / "model.pt")
    arr = backend.compose(small_spec(model="neural"), catalog)
    assert arr.part("violin").notes and arr.part("flute").notes


def _chord_at(arr, tick):
    bar = tick // arr.bar_ticks
    section = next(s for s in arr.sections if s.start_bar <= bar < s.start_bar + s.bars)
    slot = (tick % arr.bar_ticks) * section.chord_slots_per_bar // arr.bar_ticks
    return parse_chord(section.chords[(bar - section.start_bar) * section.chord_slots_per_bar + slot])


@pytest.mark.parametrize(
    ("key", "mode", "genre", "mood"), [("G", "major", "folk", "happy"), ("E", "minor", "pop", "sad")]
)
def test_shipped_model_keeps_key_ranges_form_and_seed(plugins, catalog, key, mode, genre, mood):
    spec = small_spec(genre, mood, key=key, mode=mode, model="neural")
    arr = compose(spec, plugins).arrangement
    theory = compose(spec.model_copy(update={"model": "theory"}), plugins).arrangement
    scale = set(scale_pcs(key, mode))
    for name in ("violin", "flute"):
        part, inst = arr.part(name), catalog.instruments[name]
        assert len(part.notes) >= 12, f"{name} barely plays"
        assert all(inst.low <= n.pitch <= inst.high for n in part.notes)
        assert all(n.pitch % 12 in scale | set(_chord_at(arr, n.start).pitch_classes) for n in part.notes)
        assert all(n.start + n.duration <= arr.end_tick for n in part.notes)
        assert part.notes != theory.part(name).notes
    assert arr.part("acoustic_bass") == theory.part("acoustic_bass")
    melody = arr.part("violin").notes
    verse = [(n.start, n.pitch) for n in melody if n.start < 4 * arr.bar_ticks]
    verse_2 = [(n.start - 8 * arr.bar_ticks, n.pitch) for n in melody if n.start >= 8 * arr.bar_ticks]
    assert verse == verse_2  # a repeated section restates its first statement
    again = compose(spec, plugins).arrangement
    assert midi_bytes(again) == midi_bytes(arr)
    other = compose(spec.model_copy(update={"seed": spec.seed + 1}), plugins).arrangement
    assert other.part("violin").notes != melody


@pytest.mark.parametrize("meter", ["3/4", "6/8", "5/4"])
def test_shipped_model_writes_on_the_meter_grid(plugins, meter):
    spec = small_spec(meter=meter, sections=[SectionSpec(name="verse", bars=6)], model="neural")
    arr = compose(spec, plugins).arrangement
    assert arr.end_tick == 6 * arr.bar_ticks
    notes = arr.part("violin").notes
    assert notes and all(n.start % 120 == 0 and n.start < arr.end_tick for n in notes)


def test_missing_weights_make_the_backend_unavailable_with_the_fix(tmp_path):
    from musigen_agent.plugins.models.neural import NeuralComposer

    backend = NeuralComposer(tmp_path / "none.pt")
    assert not backend.available and "musigen train" in backend.unavailable_reason
