"""The plan's 10 genres with the musical data a composer needs (grooves, harmony, form).

Groove lanes are one bar on a step grid (see :class:`musigen_agent.catalog.Groove`):
``X`` accent, ``x`` hit, ``o`` ghost note, ``.`` rest.  Progressions are roman
numerals written as in a major key; minor keys translate them (theory.roman_to_chord).
"""

from musigen_agent import hookimpl
from musigen_agent.catalog import Genre, Groove

POP_FORM = ("intro", "verse", "chorus", "verse", "chorus", "bridge", "chorus", "outro")
SONG_FORM = ("intro", "verse", "chorus", "verse", "chorus", "outro")

GENRES = (
    Genre(
        name="pop",
        instruments=("acoustic_piano", "electric_guitar", "bass_guitar", "drum_kit", "synthesizer"),
        tempo_range=(95, 125),
        grooves=(
            Groove(
                name="pop_backbeat",
                lanes={"kick": "X.......X.x.....", "snare": "....X.......X...", "closed_hat": "x.x.x.x.x.x.x.x."},
            ),
            Groove(
                name="pop_waltz",
                meter="3/4",
                lanes={"kick": "X...........", "snare": "....x...x...", "closed_hat": "x.x.x.x.x.x."},
            ),
        ),
        chord_qualities=("", "m", "add9", "sus4"),
        progressions=(
            ("I", "V", "vi", "IV"),
            ("vi", "IV", "I", "V"),
            ("I", "vi", "IV", "V"),
            ("IV", "I", "V", "vi"),
            ("I", "III7", "vi", "IV"),
            ("I", "V", "IV", "iv"),
        ),
        form=POP_FORM,
        bass_style="eighths",
        comp_style="block",
        melody_style="lyrical",
        synonyms=("pop", "pop song", "pop music", "top 40", "synthpop", "indie pop", "ballad", "power ballad"),
    ),
    Genre(
        name="rock",
        instruments=("electric_guitar", "bass_guitar", "drum_kit", "electric_piano"),
        tempo_range=(110, 150),
        grooves=(
            Groove(
                name="rock_backbeat",
                lanes={"kick": "X.....x.X.x.....", "snare": "....X.......X...", "closed_hat": "x.x.x.x.x.x.x.x."},
            ),
        ),
        chord_qualities=("5", "", "m"),
        progressions=(("I", "bVII", "IV", "I"), ("I", "IV", "V", "IV"), ("vi", "IV", "I", "V"), ("I", "V", "IV", "IV")),
        form=POP_FORM,
        bass_style="eighths",
        comp_style="power",
        melody_style="riff",
        synonyms=(
            "rock",
            "rock and roll",
            "rock n roll",
            "hard rock",
            "indie rock",
            "alt rock",
            "grunge",
            "punk",
            "metal",
            "heavy metal",
        ),
    ),
    Genre(
        name="classical",
        instruments=("acoustic_piano", "violin", "cello", "flute"),
        tempo_range=(60, 120),
        meters=("4/4", "3/4"),
        grooves=(Groove(name="no_drums", lanes={}),),
        chord_qualities=("", "m", "7", "dim"),
        progressions=(
            ("I", "IV", "V7", "I"),
            ("I", "vi", "II7", "V7"),
            ("I", "V", "vi", "iii", "IV", "I", "II7", "V"),
            ("vi", "ii", "V7", "I"),
            ("I", "III7", "vi", "IV", "ii", "V7", "I", "I"),
        ),
        form=("intro", "theme", "development", "theme", "coda"),
        bass_style="sustained",
        comp_style="arpeggio",
        melody_style="lyrical",
        synonyms=(
            "classical",
            "orchestral",
            "baroque",
            "romantic era",
            "chamber",
            "chamber music",
            "symphonic",
            "string quartet",
            "sonata",
            "neoclassical",
        ),
    ),
    Genre(
        name="jazz",
        instruments=("acoustic_piano", "bass_guitar", "drum_kit", "saxophone", "trumpet"),
        tempo_range=(80, 200),
        swing=0.6,
        grooves=(
            Groove(
                name="swing_ride",
                steps_per_beat=2,
                lanes={"ride": "X.xXX.xX", "pedal_hat": "..x...x.", "kick": "o...o..."},
                feel="swing",
            ),
            Groove(  # played straight: the bossa nova kick and cross-stick (latin and fusion get it too)
                name="bossa",
                steps_per_beat=2,
                lanes={"kick": "X..xX..x", "side_stick": "x..x..x.", "closed_hat": "xxxxxxxx"},
                feel="straight",
            ),
            Groove(
                name="jazz_waltz",
                meter="3/4",
                steps_per_beat=2,
                lanes={"ride": "X.xX.x", "pedal_hat": "..x.x.", "kick": "o....."},
            ),
        ),
        chord_qualities=("maj7", "m7", "7", "m7b5", "9", "6"),
        progressions=(
            ("ii7", "V7", "Imaj7", "Imaj7"),
            ("Imaj7", "vi7", "ii7", "V7"),
            ("Imaj7", "vi7", "ii7", "V7", "iii7", "VI7", "ii7", "V7"),
            ("Imaj7", "IV7", "iii7", "VI7", "ii7", "V7", "Imaj7", "Imaj7"),
        ),
        form=("intro", "head", "solo", "head", "outro"),
        bass_style="walking",
        comp_style="shell",
        melody_style="bebop",
        synonyms=(
            "jazz",
            "jazzy",
            "swing",
            "bebop",
            "bossa",
            "bossa nova",
            "bossa-ish",
            "cool jazz",
            "smooth jazz",
            "jazz ballad",
            "big band",
            "lounge",
        ),
    ),
    Genre(
        name="electronic",
        instruments=("synthesizer", "pad_synth", "drum_kit", "bass_guitar"),
        tempo_range=(118, 135),
        grooves=(
            Groove(
                name="four_on_the_floor",
                lanes={
                    "kick": "X...X...X...X...",
                    "clap": "....X.......X...",
                    "closed_hat": "..x...x...x...x.",
                    "shaker": "x.x.x.x.x.x.x.x.",
                },
            ),
        ),
        chord_qualities=("m7", "add9", "sus2", "m", ""),
        progressions=(("vi", "IV", "I", "V"), ("I", "V", "vi", "IV"), ("vi", "V", "IV", "V"), ("I", "iii", "vi", "IV")),
        form=POP_FORM,
        bass_style="pulse",
        comp_style="pump",
        melody_style="riff",
        synonyms=(
            "electronic",
            "edm",
            "techno",
            "house",
            "trance",
            "electro",
            "dance",
            "club",
            "synthwave",
            "electronica",
            "deep house",
            "progressive house",
            "idm",
        ),
    ),
    Genre(
        name="folk",
        instruments=("acoustic_guitar", "acoustic_piano", "violin", "percussion"),
        tempo_range=(80, 120),
        meters=("4/4", "3/4", "6/8"),
        grooves=(
            Groove(name="folk_shaker", lanes={"shaker": "x.x.X.x.x.x.X.x.", "tambourine": "....x.......x..."}),
            Groove(name="folk_waltz", meter="3/4", lanes={"shaker": "X.x.x.x.x.x.", "tambourine": "....x...x..."}),
            Groove(name="folk_jig", meter="6/8", steps_per_beat=2, lanes={"shaker": "X.xx.x", "tambourine": "...x.."}),
        ),
        chord_qualities=("", "m", "sus4", "add9"),
        progressions=(("I", "IV", "I", "V"), ("I", "V", "vi", "IV"), ("vi", "IV", "I", "V"), ("I", "IV", "vi", "V")),
        form=SONG_FORM,
        bass_style="root",
        comp_style="strum",
        melody_style="fiddle",
        synonyms=("folk", "folky", "acoustic folk", "singer-songwriter", "celtic", "irish", "americana", "campfire"),
    ),
    Genre(
        name="blues",
        instruments=("electric_guitar", "acoustic_piano", "bass_guitar", "saxophone"),
        tempo_range=(70, 120),
        swing=0.66,
        phrase_bars=12,
        grooves=(
            Groove(
                name="shuffle", steps_per_beat=2, lanes={"kick": "X...X...", "snare": "..X...X.", "ride": "xxxxxxxx"}
            ),
        ),
        chord_qualities=("7", "9"),
        progressions=(
            ("I7", "I7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7", "V7"),
            ("I7", "IV7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7", "V7"),
        ),
        form=("intro", "verse", "verse", "solo", "verse", "outro"),
        bass_style="boogie",
        comp_style="shuffle",
        melody_style="blues",
        synonyms=("blues", "bluesy", "12-bar blues", "twelve bar blues", "delta blues", "chicago blues", "boogie"),
    ),
    Genre(
        name="country",
        instruments=("acoustic_guitar", "bass_guitar", "drum_kit", "acoustic_piano"),
        tempo_range=(90, 130),
        grooves=(
            Groove(
                name="train_beat",
                lanes={"kick": "X.......X.......", "snare": "o.o.X.o.o.o.X.o.", "closed_hat": "x.x.x.x.x.x.x.x."},
            ),
        ),
        chord_qualities=("", "7", "6"),
        progressions=(
            ("I", "IV", "V", "I"),
            ("I", "I7", "IV", "I"),
            ("I", "I", "II7", "V7"),
            ("I", "vi", "IV", "V"),
            ("I", "IV", "II7", "V7"),
        ),
        form=SONG_FORM,
        bass_style="boom_chick",
        comp_style="boom_chick",
        melody_style="lyrical",
        synonyms=("country", "country music", "bluegrass", "honky tonk", "western", "nashville", "cowboy"),
    ),
    Genre(
        name="reggae",
        instruments=("electric_guitar", "bass_guitar", "drum_kit", "organ"),
        tempo_range=(70, 95),
        swing=0.15,
        grooves=(
            Groove(
                name="one_drop",
                lanes={"kick": "........X.......", "side_stick": "........X.......", "closed_hat": "x.x.x.x.x.x.x.x."},
            ),
        ),
        chord_qualities=("", "m", "7"),
        progressions=(("I", "IV", "I", "V"), ("I", "V", "vi", "IV"), ("vi", "IV", "I", "V"), ("ii", "V", "I", "I")),
        form=SONG_FORM,
        bass_style="reggae",
        comp_style="skank",
        melody_style="lyrical",
        synonyms=("reggae", "dub", "ska", "rocksteady", "dancehall", "roots reggae"),
    ),
    Genre(
        name="funk",
        instruments=("electric_guitar", "bass_guitar", "drum_kit", "electric_piano"),
        tempo_range=(95, 120),
        grooves=(
            Groove(
                name="funk_sixteenths",
                lanes={
                    "kick": "X.....X..X....x.",
                    "snare": "....X..o.o..X..o",
                    "closed_hat": "x.xxx.x.x.xxx.x.",
                },
            ),
        ),
        chord_qualities=("7", "9", "m7", "m9"),
        progressions=(
            ("I7", "I7", "IV7", "I7"),
            ("I9", "I9", "IV9", "V7"),
            ("I7", "IV7", "I7", "I7"),
            ("ii7", "V7", "I7", "I7"),
        ),
        form=POP_FORM,
        bass_style="funk",
        comp_style="chank",
        melody_style="riff",
        synonyms=("funk", "funky", "disco", "groove", "groovy", "r&b", "rnb", "soul", "neo-soul", "neo soul"),
    ),
)


@hookimpl
def register_genres(register):
    for genre in GENRES:
        register(genre)
