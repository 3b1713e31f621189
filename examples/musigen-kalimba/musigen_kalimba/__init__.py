"""A kalimba (thumb piano) and the genre it is most at home in: lo-fi hip hop.

Both are registered through the same hooks the built-in catalogue uses.  The genre
leans on built-in instruments (electric piano, bass, drums) as well as the kalimba;
that works because the catalogue checks a genre's instruments only after every
plugin has registered.
"""

from musigen_agent import hookimpl
from musigen_agent.catalog import Genre, Groove, Instrument

KALIMBA = Instrument(
    name="kalimba",
    description="Seventeen-key thumb piano: bell-like plucked tines, short decay.",
    type="percussion",
    family="chromatic_percussion",
    gm_program=108,  # General MIDI "Kalimba" (0-based), so every GM SoundFont has a sound for it
    low=60,  # C4 .. E6: the range of a 17-key kalimba in C
    high=88,
    roles=("melody", "harmony", "counter_melody"),
    priority=2,
    synonyms=("17-key kalimba", "sansa"),
)

LOFI_HIP_HOP = Genre(
    name="lofi_hip_hop",
    display_name="lo-fi hip hop",
    description="Dusty, laid-back beats under jazzy seventh chords.",
    instruments=("kalimba", "electric_piano", "bass_guitar", "drum_kit"),
    tempo_range=(70, 90),
    swing=0.35,
    grooves=(
        Groove(
            name="lofi_boom_bap",
            lanes={
                "kick": "X.....x...X.....",
                "snare": "....X.......X..o",
                "closed_hat": "x.x.x.xox.x.x.xo",
            },
        ),
    ),
    chord_qualities=("maj7", "m7", "9", "m9"),
    progressions=(("ii7", "V7", "Imaj7", "vi7"), ("IVmaj7", "iii7", "vi7", "V7"), ("Imaj7", "vi7", "ii7", "V7")),
    form=("intro", "verse", "chorus", "verse", "chorus", "outro"),
    bass_style="root",
    comp_style="shell",
    melody_style="lyrical",
    synonyms=("lofi", "lo-fi", "lofi hip hop", "lo-fi hip hop", "chillhop", "lullaby beats", "study beats"),
)


@hookimpl
def register_instruments(register):
    register(KALIMBA)


@hookimpl
def register_genres(register):
    register(LOFI_HIP_HOP)
