"""Render benchmark: real-time factors of the audio chain on a fixed 60 s, 8-part piece.

Run:  .venv/bin/python benchmarks/bench_render.py

Prints, in one run (RTF = audio seconds / compute seconds; the one-off imports of
scipy.signal and friends, ~1 s, are excluded):
  * ``render_stems`` cold: the first call in the process (SoundFont load and drum
    probe, empty note bank), and a new piece in a warm process (note bank cleared);
  * the whole chain: stems -> mix (+ reverb bus) -> master -> 16-bit WAV, for a new
    piece, with a per-stage breakdown;
  * MP3 encoding (LAME via lameenc, with tags);
  * re-rendering an unchanged version (its mastered mix is kept in the cache, as when
    another format of it is asked for);
  * re-rendering (whole chain) after a mix-only change and after a one-part change,
    with a stem cache, as speed-ups over the new-piece chain, and the SoundFont render
    after the mix change (every stem from the cache) against the cold SoundFont render.
    The whole chain cannot be 10x faster after a mix change: the mix, the master and
    the WAV see the whole new piece either way (the stage breakdown shows their share);
  * stems rendered in 2 worker processes instead of serially (kept only if faster);
  * ``pretty_midi.PrettyMIDI.synthesize()`` of the same MIDI (sine waves) as the baseline.
The machine may be shared: each timing is the best of several runs, and CPU time
(``process_time``) is printed next to wall time where they can differ.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musigen_agent import encode, export, mastering, mixer, notebank, render  # noqa: E402
from musigen_agent.spec import TPQ, Arrangement, Mix, Note, Part, SectionPlan, TrackMix  # noqa: E402
from musigen_agent.stem_cache import StemCache  # noqa: E402

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


def _render_part_group(args: tuple[Arrangement, int]) -> dict[str, np.ndarray]:
    """Worker of the parallel-stems measurement: render some parts in a child process."""
    arr, sr = args
    return {k: np.array(v) for k, v in render.render_stems(arr, sample_rate=sr).items()}


def parallel_stems(arr: Arrangement, sr: int, workers: int = 2) -> dict[str, np.ndarray]:
    """Stems rendered by ``workers`` fresh processes (pool start and SoundFont load included)."""
    import multiprocessing

    groups = [arr.model_copy(update={"parts": arr.parts[i::workers]}) for i in range(workers)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        stems: dict[str, np.ndarray] = {}
        for part in pool.map(_render_part_group, [(g, sr) for g in groups]):
            stems.update(part)
    return stems


def best(fn: Callable[[], object], repeat: int = 5, setup: Callable[[], object] | None = None) -> tuple[float, float]:
    """(best wall seconds, CPU seconds of that run) over ``repeat`` runs of ``fn``."""
    runs = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(runs)


def main() -> None:
    arr = build_piece()
    n_notes = sum(len(p.notes) for p in arr.parts)
    sr = 44100
    audio_s = render.n_samples(arr, sr) / sr
    print(f"piece: {arr.seconds:.2f} s (+{render.TAIL_SECONDS} s tail), {len(arr.parts)} parts, {n_notes} notes")

    def rtf(sec: float) -> float:
        return audio_s / sec

    def line(label: str, timing: tuple[float, float], extra: str = "") -> None:
        wall, cpu = timing
        print(f"{label:34s}: {wall:7.3f} s  (cpu {cpu:6.3f} s)   RTF {rtf(wall):7.1f}x{extra}")

    new_piece = notebank.note_bank.cache_clear  # empties the note bank: a piece never heard
    wall, cpu = time.perf_counter(), time.process_time()
    render.render_stems(arr, sample_rate=sr)  # loads + probes the soundfont, fills the note bank
    cold_first = (time.perf_counter() - wall, time.process_time() - cpu)
    cold = best(lambda: render.render_stems(arr, sample_rate=sr), repeat=9, setup=new_piece)

    mastering.master(np.full((2, sr), 1e-3, np.float32), sr)  # import scipy.signal outside the timing
    mixer.premaster(render.render_stems(arr, sample_rate=sr), arr, Mix(), sr)
    settings = Mix()
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "mix.wav"
        chain = best(
            lambda: export.write_wav(render.render(arr, settings, sample_rate=sr).audio, sr, wav), setup=new_piece
        )
        result = render.render(arr, settings, sample_rate=sr)
        stems = result.stems
        pre = mixer.premaster(stems, arr, settings, sr)
        stages = {
            "stems": cold[0],
            "mix": best(lambda: mixer.mix(stems, arr, settings, sr))[0],
            "reverb": best(lambda: mixer.reverb_bus(stems, arr, settings, sr))[0],
            "master": best(lambda: mastering.master(pre, sr, settings.target_lufs, settings.true_peak_db))[0],
            "wav": best(lambda: export.write_wav(result.audio, sr, wav))[0],
        }
        mp3 = best(lambda: encode.mp3_bytes(result.audio, sr, title="bench", genre="pop"), repeat=3)

        cache = StemCache(Path(tmp) / "stems")
        render.render(arr, settings, sample_rate=sr, cache=cache)
        mixes = iter(range(1, 100))

        def remix() -> Mix:  # a new mix each run: an unchanged one would reuse the kept master
            bass = TrackMix(gain_db=-3.0 - next(mixes) / 10, pan=0.2)
            return Mix(tracks={"bass": bass, "lead": TrackMix(reverb=0.4)})

        mix_change = best(lambda: render.render(arr, remix(), sample_rate=sr, cache=cache))
        unchanged = best(lambda: render.render(arr, settings, sample_rate=sr, cache=cache))
        mix_change_stems = best(lambda: render.render_stems(arr, sample_rate=sr, cache=cache))
        lead = arr.part("lead")
        variants = iter(range(1, 100))

        def one_part_changed() -> Arrangement:
            shift = next(variants)  # a new edit each run: neither the stem nor the master is kept
            notes = [x.model_copy(update={"pitch": x.pitch + 1 + shift % 12}) for x in lead.notes]  # never 0
            edited = lead.model_copy(update={"notes": notes, "name": "lead"})
            return arr.model_copy(update={"parts": [edited if p.name == "lead" else p for p in arr.parts]})

        one_part = best(lambda: render.render(one_part_changed(), settings, sample_rate=sr, cache=cache))
        misses = cache.stats["misses"]
        cache.flush()  # every stem on disk: what follows reads files
        cache.clear_memory()
        disk = best(lambda: render.render_stems(arr, sample_rate=sr, cache=cache), setup=cache.clear_memory)
        assert cache.stats["misses"] == misses, "the disk cache missed"

    serial = best(lambda: render.render_stems(arr, sample_rate=sr), repeat=3, setup=new_piece)
    parallel = best(lambda: parallel_stems(arr, sr), repeat=3, setup=new_piece)

    import pretty_midi  # baseline only

    pm = pretty_midi.PrettyMIDI(io.BytesIO(export.midi_bytes(arr)))
    base = best(lambda: pm.synthesize(fs=sr), repeat=3)

    line("render_stems cold, first call", cold_first)
    line("render_stems cold, new piece", cold, "   (goal >= 500x)")
    line("whole chain -> WAV, new piece", chain, "   (goal >= 120x)")
    print("  stages (best): " + ", ".join(f"{k} {v:.3f} s" for k, v in stages.items()))
    line("MP3 encode (192 kbps, tagged)", mp3)
    line(
        "re-render after a mix change",
        mix_change,
        f"   {chain[0] / mix_change[0]:5.1f}x faster than the new-piece chain",
    )
    line(
        "  its SoundFont render (cached)",
        mix_change_stems,
        f"   {cold[0] / mix_change_stems[0]:5.0f}x faster than the cold SoundFont render (goal >= 10x)",
    )
    line(
        "re-render of an unchanged version",
        unchanged,
        f"   {chain[0] / unchanged[0]:5.0f}x faster (its mastered mix is kept: another format)",
    )
    line(
        "re-render after a one-part change",
        one_part,
        f"   {chain[0] / one_part[0]:5.1f}x faster than the new-piece chain",
    )
    line("stems from the disk cache", disk, f"   {cold[0] / disk[0]:5.1f}x faster than rendering")
    line("stems serially (new piece)", serial)
    line("stems in 2 processes (new piece)", parallel, f"   {serial[0] / parallel[0]:5.2f}x the serial speed")
    line("pretty_midi.synthesize() baseline", base, "   (sine waves, mono)")
    print(
        f"speed vs baseline: cold stems {base[0] / cold[0]:.1f}x, whole chain {base[0] / chain[0]:.1f}x, "
        f"mix change {base[0] / mix_change[0]:.1f}x"
    )
    print(f"master: {result.loudness_lufs:.2f} LUFS, {result.true_peak_db:.2f} dBTP")


if __name__ == "__main__":
    main()
