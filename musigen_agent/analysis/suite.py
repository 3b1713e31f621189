"""The fixed genre x mood suite the quality numbers are measured on.

Specs are planned the way intent parsing plans a prompt such as "a sad jazz track"
(:mod:`musigen_agent.planning`: the tempo both genre and mood accept, the mood's key,
the genre's form fitted to the length, the genre's band with roles), but without the
words, so the benchmark and the tests measure the composer, not the parser.
"""

from __future__ import annotations

from ..catalog import Catalog
from ..planning import assign_parts, bars_for_seconds, default_key, default_tempo, plan_sections
from ..spec import TrackSpec

GENRES = ("pop", "rock", "classical", "jazz", "electronic", "folk", "blues", "country", "reggae", "funk")
MOODS = ("happy", "sad", "energetic", "relaxed", "dramatic")
#: Genres whose harmony stays in one major/minor scale (judged by scale consistency);
#: jazz, blues and funk colour chords with notes outside it on purpose.
TONAL_GENRES = ("pop", "rock", "classical", "electronic", "folk", "country", "reggae")


def suite_spec(catalog: Catalog, genre: str, mood: str, seed: int = 1, seconds: float = 90.0) -> TrackSpec:
    """The spec a prompt naming only ``genre`` and ``mood`` would get, with ``seed``."""
    g, m = catalog.genre(genre), catalog.mood(mood)
    tempo, _ = default_tempo(g, m)
    meter = g.meters[0]
    return TrackSpec(
        title=f"{mood} {genre}",
        genre=genre,
        moods=[mood],
        tempo=tempo,
        key=default_key(m, m.mode),
        mode=m.mode,
        meter=meter,
        sections=plan_sections(g, bars_for_seconds(seconds, tempo, meter)),
        parts=assign_parts(list(g.instruments), catalog),
        swing=g.swing,
        seed=seed,
    )
