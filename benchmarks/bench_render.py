"""Render benchmark: real-time factors of the audio chain on a fixed 60 s, 8-part piece.

Run:  .venv/bin/python benchmarks/bench_render.py

Prints, in one run:
  * cold ``render_stems`` RTF (first call: SoundFont load and probe, empty synth caches),
  * warm ``render_stems`` RTF (best of 3),
  * the whole chain ``render()`` (stems -> mix -> reverb -> master) + ``write_wav`` RTF,
    with a per-stage breakdown,
  * ``pretty_midi.PrettyMIDI.synthesize()`` of the same MIDI (sine waves) as the baseline,
and the speed ratios against that baseline.  RTF = audio seconds / compute seconds.
The first-call import of pyloudnorm/scipy.signal (~1 s) is excluded.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musigen_agent import export, render  # noqa: E402
from musigen_agent.spec import TPQ, Arrangement, Mix, Note, Part, SectionPlan  # noqa: E402

TEMPO = 120
BARS = 30  # 30 bars of 4/4 at 120 bpm = 60 s
BAR = 4 * TPQ
CHORDS = [(48, 52, 55), (45, 48, 52), (41, 45, 48), (43, 47, 50)]  # C Am F G


def build_piece(seed: int = 0) -> Arrangement:
    """An 8-part, 60 s arrangement with ~2500 notes (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    parts: dict[str, list[Note]] = {
        k: [] for k in ("piano", "bass", "drums", "strings", "lead", "guitar", "organ", "flute")
    }

    def add(name: str, start: int, dur: int, pitch: int, vel: int) -> None:
        parts[name].append(Note(start=start, duration=max(1, dur), pitch=pitch, velocity=int(np.clip(vel, 1, 127))))

    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    for bar in range(BARS):
        t0 = bar * BAR
        chord = CHORDS[bar % 4]
        for beat in range(4):  # piano chords on every beat
            for p in chord:
                add("piano", t0 + beat * TPQ, TPQ - 20, p + 12, 70 + rng.integers(-8, 8))
        for eighth in range(8):  # bass eighths
            add("bass", t0 + eighth * TPQ // 2, TPQ // 2 - 10, chord[0] - 12 + (7 if eighth % 4 == 3 else 0), 90)
        for step in range(16):  # drums: kick, snare, hats
            t = t0 + step * TPQ // 4
            if step % 8 == 0 or step == 10:
                add("drums", t, 60, 36, 110)
            if step % 8 == 4:
                add("drums", t, 60, 38, 105)
            add("drums", t, 30, 42, 60 + rng.integers(0, 30) if step % 2 else 95)
        for p in chord:  # strings pad, whole bars
            add("strings", t0, BAR - 10, p + 12, 60)
        for eighth in range(8):  # lead: random walk on the scale
            if rng.random() < 0.8:
                add(
                    "lead",
                    t0 + eighth * TPQ // 2,
                    TPQ // 2 - 15,
                    int(rng.choice(scale)) + 12,
                    85 + rng.integers(-10, 10),
                )
        for six in range(16):  # guitar arpeggio sixteenths
            add("guitar", t0 + six * TPQ // 4, TPQ // 4, chord[six % 3] + 12 * (1 + six // 8), 75)
        for half in range(2):  # organ half-note chords
            for p in chord:
                add("organ", t0 + half * 2 * TPQ, 2 * TPQ - 30, p, 55)
        for q in range(4):  # flute quarter-note counter line
            add("flute", t0 + q * TPQ, TPQ - 30, int(rng.choice(scale)) + 12, 70)
    spec = {
        "piano": (0, "harmony", False),
        "bass": (33, "bass", False),
        "drums": (0, "rhythm", True),
        "strings": (48, "pad", False),
        "lead": (80, "melody", False),
        "guitar": (25, "harmony", False),
        "organ": (16, "pad", False),
        "flute": (73, "counter_melody", False),
    }
    return Arrangement(
        tempo=TEMPO,
        meter="4/4",
        key="C",
        mode="major",
        sections=[
            SectionPlan(name="verse", start_bar=0, bars=14, chords=["C", "Am", "F", "G"]),
            SectionPlan(name="chorus", start_bar=14, bars=16, chords=["C", "Am", "F", "G"]),
        ],
        parts=[
            Part(name=n, instrument=n, role=spec[n][1], program=spec[n][0], is_drum=spec[n][2], notes=notes)
            for n, notes in parts.items()
        ],
    )


def main() -> None:
    arr = build_piece()
    n_notes = sum(len(p.notes) for p in arr.parts)
    sr = 44100
    audio_s = render.n_samples(arr, sr) / sr
    print(f"piece: {arr.seconds:.2f} s (+{render.TAIL_SECONDS} s tail), {len(arr.parts)} parts, {n_notes} notes")

    def best(fn, repeat: int = 3) -> float:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    t = time.perf_counter()
    stems = render.render_stems(arr, sample_rate=sr)  # loads + probes the soundfont, fills synth caches
    cold = time.perf_counter() - t
    warm = best(lambda: render.render_stems(arr, sample_rate=sr))

    render.master(np.full((2, sr), 1e-3, np.float32), sr)  # import pyloudnorm/scipy outside the timing
    settings = Mix()
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "mix.wav"
        result = render.render(arr, settings, sample_rate=sr)
        chain = best(lambda: export.write_wav(render.render(arr, settings, sample_rate=sr).audio, sr, wav))
        pre = render.mix(stems, arr, settings)
        wet = render.reverb_bus(stems, arr, settings, sr)
        stages = {
            "stems": warm,
            "mix": best(lambda: render.mix(stems, arr, settings)),
            "reverb": best(lambda: render.reverb_bus(stems, arr, settings, sr)),
            "master": best(lambda: render.master(pre + wet, sr, settings.target_lufs, settings.true_peak_db)),
            "wav": best(lambda: export.write_wav(result.audio, sr, wav)),
        }

    import pretty_midi  # baseline only

    pm = pretty_midi.PrettyMIDI(io.BytesIO(export.midi_bytes(arr)))
    base = best(lambda: pm.synthesize(fs=sr), repeat=2)

    def rtf(sec: float) -> float:
        return audio_s / sec

    print(f"render_stems cold          : {cold:7.3f} s   RTF {rtf(cold):7.1f}x")
    print(f"render_stems warm (best 3) : {warm:7.3f} s   RTF {rtf(warm):7.1f}x")
    print(f"render() + WAV (best 3)    : {chain:7.3f} s   RTF {rtf(chain):7.1f}x")
    print("  stages (best of 3): " + ", ".join(f"{k} {v:.3f} s" for k, v in stages.items()))
    print(f"pretty_midi.synthesize()   : {base:7.3f} s   RTF {rtf(base):7.1f}x   (sine waves, mono, baseline)")
    print(
        f"speed vs baseline: cold stems {base / cold:.2f}x, warm stems {base / warm:.2f}x, "
        f"whole chain {base / chain:.2f}x"
    )
    print(f"master: {result.loudness_lufs:.2f} LUFS, {result.true_peak_db:.2f} dBTP")


if __name__ == "__main__":
    main()
