"""Words -> refine ops: the phrasings of the core loop, notes for what a track lacks, and odd input."""

from __future__ import annotations

import random

import pytest

from musigen_agent.compose import compose
from musigen_agent.edits import apply_ops
from musigen_agent.ops import MAX_OPS, OP_ADAPTER
from musigen_agent.refine_words import EXAMPLES, read_instruction
from musigen_agent.spec import Mix, PartSpec, SectionSpec, TrackSpec
from musigen_agent.splice import State

PARTS = (
    ("acoustic_piano", "harmony"),
    ("bass_guitar", "bass"),
    ("drum_kit", "rhythm"),
    ("saxophone", "melody"),
    ("electric_guitar", "harmony"),
    ("pad_synth", "pad"),
)
FORM = (("intro", 4), ("verse", 8), ("chorus", 8), ("verse_2", 8), ("bridge", 8), ("chorus_2", 8), ("outro", 4))
ALL = [name for name, _ in FORM]


def make_spec(**changes: object) -> TrackSpec:
    """Jazz, relaxed, 90 bpm, F major, swing 0.5: 48 bars = 128 s."""
    spec = TrackSpec(
        genre="jazz",
        moods=["relaxed"],
        tempo=90,
        key="F",
        mode="major",
        swing=0.5,
        parts=[PartSpec(name=inst, instrument=inst, role=role) for inst, role in PARTS],
        sections=[SectionSpec(name=name, bars=bars) for name, bars in FORM],
    )
    return spec.model_copy(update=changes)


@pytest.fixture
def spec() -> TrackSpec:
    return make_spec()


def op(kind: str, /, **fields: object) -> dict:
    """The full dump of a validated op, so the table states only what matters."""
    return OP_ADAPTER.validate_python([{"op": kind, **fields}])[0].model_dump()


def read(text: str, spec: TrackSpec, catalog) -> list[dict]:
    return [u.op.model_dump() for u in read_instruction(text, spec, catalog).ops]


CASES = [
    # mood and mode, relative to the spec (major, relaxed)
    ("darker", [op("set_mode", mode="minor")]),
    ("brighter", [op("change_mood", mood="happy")]),
    ("happier", [op("change_mood", mood="happy")]),
    ("sadder", [op("change_mood", mood="sad")]),
    ("more energetic", [op("change_mood", mood="energetic"), op("set_tempo", bpm=99)]),
    ("calmer", [op("change_mood", mood="relaxed")]),
    ("more relaxed", [op("change_mood", mood="relaxed")]),
    ("chill it out", [op("change_mood", mood="relaxed")]),
    ("more dramatic", [op("change_mood", mood="dramatic")]),
    ("epic", [op("change_mood", mood="dramatic")]),
    # tempo, relative to 90 bpm
    ("slower", [op("set_tempo", bpm=76)]),
    ("much slower", [op("set_tempo", bpm=63)]),
    ("a bit faster", [op("set_tempo", bpm=97)]),
    ("faster", [op("set_tempo", bpm=103)]),
    ("half-time", [op("set_tempo", bpm=45)]),
    ("double time", [op("set_tempo", bpm=180)]),
    ("at 100 bpm", [op("set_tempo", bpm=100)]),
    ("tempo 84", [op("set_tempo", bpm=84)]),
    ("10 bpm faster", [op("set_tempo", bpm=100)]),
    ("can you slow it down a bit please", [op("set_tempo", bpm=83)]),
    # muting, in sections and overall
    ("drop the drums in the intro", [op("mute_in", part="drum_kit", sections=["intro"])]),
    ("no drums in the intro", [op("mute_in", part="drum_kit", sections=["intro"])]),
    ("no bass in the chorus", [op("mute_in", part="bass_guitar", sections=["chorus"])]),
    ("bring the drums back in the intro", [op("mute_in", part="drum_kit", sections=["intro"], muted=False)]),
    (
        "no drums and bass in the intro and outro",
        [
            op("mute_in", part="drum_kit", sections=["intro", "outro"]),
            op("mute_in", part="bass_guitar", sections=["intro", "outro"]),
        ],
    ),
    ("no sax in verse 2", [op("mute_in", part="saxophone", sections=["verse_2"])]),
    ("mute the guitar", [op("mute", part="electric_guitar")]),
    ("unmute the guitar", [op("mute", part="electric_guitar", muted=False)]),
    ("mute the piano and bass", [op("mute", part="acoustic_piano"), op("mute", part="bass_guitar")]),
    ("solo the bass", [op("solo", part="bass_guitar")]),
    # replacing: the part that exists, the instrument asked for
    ("swap piano for rhodes", [op("replace_instrument", part="acoustic_piano", instrument="electric_piano")]),
    (
        "replace the piano with electric piano",
        [op("replace_instrument", part="acoustic_piano", instrument="electric_piano")],
    ),
    ("use organ instead of piano", [op("replace_instrument", part="acoustic_piano", instrument="organ")]),
    (
        "change the guitar to acoustic guitar",
        [op("replace_instrument", part="electric_guitar", instrument="acoustic_guitar")],
    ),
    # adding and removing parts
    ("add a cello", [op("add_instrument", instrument="cello")]),
    ("add strings", [op("add_instrument", instrument="violin")]),
    ("add a flute playing the melody", [op("add_instrument", instrument="flute", role="melody")]),
    (
        "add a sax solo in the bridge",
        [
            op("add_instrument", instrument="saxophone", role="melody", name="saxophone_2"),
            op("mute_in", part="saxophone_2", sections=[s for s in ALL if s != "bridge"]),
        ],
    ),
    (
        "add a trumpet solo in the bridge",
        [
            op("add_instrument", instrument="trumpet", role="melody", name="trumpet"),
            op("mute_in", part="trumpet", sections=[s for s in ALL if s != "bridge"]),
        ],
    ),
    ("lose the pad", [op("remove_instrument", part="pad_synth")]),
    ("get rid of the pad", [op("remove_instrument", part="pad_synth")]),
    ("remove the piano", [op("remove_instrument", part="acoustic_piano")]),
    # the form
    ("double the chorus", [op("resize_section", section="chorus", bars=16)]),
    ("longer chorus", [op("resize_section", section="chorus", bars=12)]),
    ("shorter verse", [op("resize_section", section="verse", bars=4)]),
    ("make the intro 8 bars", [op("resize_section", section="intro", bars=8)]),
    ("add a bridge", [op("add_section", name="bridge", bars=8)]),
    ("add an 8 bar interlude after the chorus", [op("add_section", name="interlude", bars=8, after="chorus")]),
    ("remove the bridge", [op("remove_section", section="bridge")]),
    ("cut the outro", [op("remove_section", section="outro")]),
    ("extend by 8 bars", [op("extend", bars=8)]),
    ("make it longer", [op("extend", bars=8)]),
    ("make it 3 minutes long", [op("extend", bars=20)]),  # 128 s now; 180 s = 67.5 bars -> +20 (multiple of 4)
    # feel
    ("more swing", [op("swing", amount=0.8)]),
    ("straight", [op("swing", amount=0)]),
    ("no swing", [op("swing", amount=0)]),
    ("humanize", [op("humanize", amount=0.5)]),
    ("make it feel more human", [op("humanize", amount=0.5)]),
    ("make it feel loose", [op("humanize", amount=0.5)]),
    ("tighter", [op("humanize", amount=0)]),
    ("quantize", [op("humanize", amount=0)]),
    # density
    ("less busy", [op("density", factor=0.6)]),
    ("simpler", [op("density", factor=0.6)]),
    ("sparser", [op("density", factor=0.6)]),
    ("simpler bass", [op("density", part="bass_guitar", factor=0.6)]),
    ("busier", [op("density", factor=1.5)]),
    ("more notes", [op("density", factor=1.5)]),
    # ending
    ("end on a big chord", [op("ending")]),
    ("big ending", [op("ending")]),
    # key
    ("transpose up 2", [op("transpose", semitones=2)]),
    ("up a whole step", [op("transpose", semitones=2)]),
    ("down a semitone", [op("transpose", semitones=-1)]),
    ("in G minor", [op("set_key", key="G", mode="minor")]),
    ("change key to Eb", [op("set_key", key="Eb")]),
    ("minor", [op("set_mode", mode="minor")]),
    ("in a minor key", [op("set_mode", mode="minor")]),
    # genre and mood by name
    ("make it jazz", [op("change_genre", genre="jazz")]),
    ("as reggae", [op("change_genre", genre="reggae")]),
    ("in a rock style", [op("change_genre", genre="rock")]),
    ("funkier", [op("change_genre", genre="funk")]),
    ("make it sad", [op("change_mood", mood="sad")]),
    # new material and variations
    ("new melody", [op("regenerate", part="saxophone")]),
    ("regenerate the chorus", [op("regenerate", section="chorus")]),
    ("try another drum pattern", [op("regenerate", part="drum_kit")]),
    ("vary the melody", [op("vary", part="saxophone")]),
    ("variation on the bass in verse 2", [op("vary", part="bass_guitar", section="verse_2")]),
    # chords
    ("chords Am F C G in the verse", [op("set_chords", section="verse", chords=["Am", "F", "C", "G"])]),
    ("use Dm7 G7 Cmaj7 in the chorus", [op("set_chords", section="chorus", chords=["Dm7", "G7", "Cmaj7"])]),
    ("chords Am, F, C, G in the verse", [op("set_chords", section="verse", chords=["Am", "F", "C", "G"])]),
    # section energy
    ("more energy in the chorus", [op("set_energy", section="chorus", energy=0.9)]),
    ("quieter intro", [op("set_energy", section="intro", energy=0.3)]),
    ("build up the bridge", [op("set_energy", section="bridge", energy=0.8)]),
    # mix
    ("louder drums", [op("gain", part="drum_kit", db=3)]),
    ("turn the bass down", [op("gain", part="bass_guitar", db=-3)]),
    ("much quieter drums", [op("gain", part="drum_kit", db=-6)]),
    ("pan the guitar left", [op("pan", part="electric_guitar", pan=-0.6)]),
    ("pan the sax hard right", [op("pan", part="saxophone", pan=1.0)]),
    # several clauses
    (
        "darker, a bit slower and no drums in the intro",
        [op("set_mode", mode="minor"), op("set_tempo", bpm=83), op("mute_in", part="drum_kit", sections=["intro"])],
    ),
    ("add a cello, then tempo 100", [op("add_instrument", instrument="cello"), op("set_tempo", bpm=100)]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_phrasings(text, expected, spec, catalog):
    reading = read_instruction(text, spec, catalog)
    assert [u.op.model_dump() for u in reading.ops] == expected
    assert reading.not_understood == []


def test_darker_and_brighter_follow_the_current_mode_and_mood(catalog):
    assert read("darker", make_spec(mode="minor"), catalog) == [op("change_mood", mood="sad")]
    assert read("darker", make_spec(mode="minor", moods=["sad"]), catalog) == [op("change_mood", mood="dramatic")]
    assert read("brighter", make_spec(mode="minor"), catalog) == [op("set_mode", mode="major")]
    reading = read_instruction("darker", make_spec(mode="minor", moods=["sad", "dramatic"]), catalog)
    assert reading.ops == [] and "already minor" in reading.not_understood[0]


def test_names_resolve_against_the_track(spec, catalog):
    # "guitar" is acoustic_guitar in the catalogue; the track's guitar is electric, found by family
    assert read("mute the guitar", spec, catalog) == [op("mute", part="electric_guitar")]
    # a custom part name is a name too, and the second sax gets the next free name
    custom = make_spec(parts=[*spec.parts, PartSpec(name="lead_sax", instrument="saxophone", role="melody")])
    assert read("solo lead sax", custom, catalog) == [op("solo", part="lead_sax")]
    assert read("mute the sax", custom, catalog) == [op("mute", part="saxophone"), op("mute", part="lead_sax")]
    # sections named by kind and number in a form that is not verse/chorus
    head = make_spec(sections=[SectionSpec(name="head", bars=8), SectionSpec(name="head_2", bars=8)])
    assert read("regenerate the second head", head, catalog) == [op("regenerate", section="head_2")]
    assert read("double the head", head, catalog) == [op("resize_section", section="head", bars=16)]


def test_nothing_understood_returns_no_ops_and_keeps_the_clause(spec, catalog):
    for text in ("asdf", "make it purple"):
        reading = read_instruction(text, spec, catalog)
        assert reading.ops == [] and reading.not_understood == [text]


def test_partly_understood_returns_both(spec, catalog):
    reading = read_instruction("darker and make it purple, louder drums", spec, catalog)
    assert [u.op.model_dump() for u in reading.ops] == [op("set_mode", mode="minor"), op("gain", part="drum_kit", db=3)]
    assert reading.not_understood == ["make it purple"]


def test_words_are_reported_per_op(spec, catalog):
    reading = read_instruction("No drums in the intro, a bit slower. Add a sax solo in the bridge!", spec, catalog)
    assert [(u.op.op, u.words) for u in reading.ops] == [
        ("mute_in", "No drums in the intro"),
        ("set_tempo", "a bit slower"),
        ("add_instrument", "Add a sax solo in the bridge"),
        ("mute_in", "Add a sax solo in the bridge"),
    ]


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("remove the trumpet", "no trumpet in this track (parts: acoustic_piano, bass_guitar, drum_kit, saxophone"),
        ("get rid of the organ", "no organ in this track"),
        ("no drums in the pre-chorus", "no pre-chorus in this track (sections: intro, verse, chorus"),
        ("louder drums in the chorus", "volume is per part for the whole track"),
        ("add a flute playing the bass", "flute cannot play bass"),
        ("make it 2 minutes long", "say which section to shorten or remove"),
        ("transpose up 14", "at most 12 semitones"),
        ("1000 bpm", "tempo must be 20 to 300 bpm"),
        ("chords Am F C G", "say which section the chords are for"),
    ],
)
def test_requests_the_track_cannot_take_get_a_note(text, note, spec, catalog):
    reading = read_instruction(text, spec, catalog)
    assert reading.ops == []
    assert len(reading.not_understood) == 1
    assert reading.not_understood[0].startswith(f"{text}: ") and note in reading.not_understood[0]


@pytest.mark.parametrize("text", ["", "   ", "...", "🎵🎶", "🔥" * 50, "x" * 2000, "slower, " * 300, "and and and"])
def test_odd_input_never_raises(text, spec, catalog):
    reading = read_instruction(text, spec, catalog)
    assert len(reading.ops) <= MAX_OPS
    OP_ADAPTER.validate_python([u.op.model_dump() for u in reading.ops])


def test_emoji_only_is_not_understood_and_courtesy_is_ignored(spec, catalog):
    assert read_instruction("🎵🎶", spec, catalog).not_understood == ["🎵🎶"]
    reading = read_instruction("🎷 louder sax 🔥, thanks!", spec, catalog)
    assert [u.op.model_dump() for u in reading.ops] == [op("gain", part="saxophone", db=3)]
    assert reading.not_understood == []


def test_more_ops_than_a_refine_takes_are_reported(spec, catalog):
    reading = read_instruction("slower, " * 30, spec, catalog)
    assert len(reading.ops) == MAX_OPS
    assert reading.not_understood and all("at most" in n for n in reading.not_understood)


def test_random_word_salad_never_raises(spec, catalog):
    words = " ".join(text for text, _ in CASES).split() + ["in", "the", ",", "and", "then", "by", "7", "%", "db"]
    rng = random.Random(7)
    for _ in range(300):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        reading = read_instruction(text, spec, catalog)
        OP_ADAPTER.validate_python([u.op.model_dump() for u in reading.ops])


def test_examples_are_understood(spec, catalog):
    """How fast they are read is measured by benchmarks/bench_intent.py."""
    assert 10 <= len(EXAMPLES) <= 15
    for text in EXAMPLES:
        reading = read_instruction(text, spec, catalog)
        assert reading.ops and not reading.not_understood, text


def test_examples_apply_to_a_composed_track(spec, plugins, catalog):
    """The names the words resolve to are the names edits accepts."""
    state = State(spec, compose(spec, plugins).arrangement, Mix())
    for text in EXAMPLES:
        apply_ops(state, [u.op for u in read_instruction(text, spec, catalog).ops], plugins)


def test_level_and_reverb_words_are_relative_to_the_current_mix(spec, catalog):
    """'louder' twice is louder twice; after 'soft drums' (-6 dB) 'louder drums' is -3 dB."""
    from musigen_agent.spec import TrackMix

    def gains(text: str, mix: Mix) -> list[float]:
        return [u.op.db for u in read_instruction(text, spec, catalog, mix).ops]

    soft = Mix(tracks={"drum_kit": TrackMix(gain_db=-6.0, reverb=0.3)})
    assert gains("louder drums", soft) == [-3.0]
    assert gains("much quieter drums", soft) == [-12.0]
    assert gains("drums down 2 db", soft) == [-8.0]
    assert gains("drums down to -2 db", soft) == [-2.0] and gains("drums at 1.5 db", soft) == [1.5]
    assert gains("louder drums", Mix(tracks={"drum_kit": TrackMix(gain_db=11.0)})) == [12.0]  # the fader's top

    def sends(text: str, mix: Mix) -> dict[str, float]:
        return {u.op.part: u.op.reverb for u in read_instruction(text, spec, catalog, mix).ops}

    every = {p.name: 0.3 for p in spec.parts}
    assert sends("more reverb", Mix()) == {p.name: 0.3 for p in spec.parts}  # the default 0.15, doubled
    assert sends("less reverb on the drums", soft) == {"drum_kit": 0.15}
    assert sends("much more reverb on the drums", soft) == {"drum_kit": 0.9}
    assert sends("drier", soft)["drum_kit"] == 0.15 and sends("no reverb", soft) == dict.fromkeys(every, 0.0)
    assert sends("wetter drums", soft) == {"drum_kit": 0.6}
