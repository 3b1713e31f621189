"""The General MIDI pack: every GM program and the GS drum kits as instruments.

With the core pack it covers all 128 GM programs exactly once: the 13 programs the
core instruments already use (acoustic_piano is program 0, bass_guitar 33, ...) are
left to them, so no name or program is registered twice and a prompt naming "French
horn", "slap bass" or "808" gets a part with that exact GM sound.  Drum kits are
``is_drum`` instruments whose ``gm_program`` is the kit's program on channel 10.

Ranges are the real instruments' playable (sounding) ranges, so the composer keeps
every line where the instrument can play it; synth and effect programs, which have no
acoustic range, get a comfortable five octaves.  Synonyms are phrases a prompt
would use; common English words ("rain", "space", "voice") are avoided so that a
description is not mistaken for an instrument.
"""

from __future__ import annotations

from musigen_agent import hookimpl
from musigen_agent.catalog import Instrument, Role

#: Broad ``type`` of each family (the plan's instrument types).
TYPES = {
    "keys": "keyboard",
    "chromatic_percussion": "percussion",
    "organ": "keyboard",
    "guitar": "string",
    "bass": "string",
    "strings": "orchestral",
    "harp": "orchestral",
    "timpani": "orchestral",
    "choir": "vocal",
    "brass": "wind",
    "reed": "wind",
    "pipe": "wind",
    "synth_lead": "electronic",
    "synth_pad": "electronic",
    "synth_fx": "electronic",
    "ethnic": "ethnic",
    "percussive": "percussion",
    "sound_fx": "effects",
    "drums": "percussion",
}

KEYS: tuple[Role, ...] = ("harmony", "melody", "counter_melody", "pad")
PIANO: tuple[Role, ...] = ("harmony", "melody", "counter_melody", "bass", "pad")
MALLETS: tuple[Role, ...] = ("melody", "counter_melody", "harmony")
ORGAN: tuple[Role, ...] = ("harmony", "pad", "melody")
GUITAR: tuple[Role, ...] = ("harmony", "melody", "counter_melody")
BASS: tuple[Role, ...] = ("bass",)
LEAD: tuple[Role, ...] = ("melody", "counter_melody")
LOW_LEAD: tuple[Role, ...] = ("counter_melody", "bass", "melody")
ENSEMBLE: tuple[Role, ...] = ("pad", "harmony", "counter_melody", "melody")
SYNTH_LEAD: tuple[Role, ...] = ("melody", "counter_melody", "harmony")
PAD: tuple[Role, ...] = ("pad", "harmony")
LOW_DRUM: tuple[Role, ...] = ("bass", "counter_melody")
COLOUR: tuple[Role, ...] = ("pad", "counter_melody")


def _gm(
    program: int,
    name: str,
    family: str,
    low: int,
    high: int,
    roles: tuple[Role, ...],
    *synonyms: str,
    priority: int = 3,
    mono: bool = False,
    display: str = "",
) -> Instrument:
    return Instrument(
        name=name,
        display_name=display,
        type=TYPES[family],
        family=family,
        gm_program=program,
        low=low,
        high=high,
        roles=roles,
        priority=priority,
        polyphonic=not mono,
        synonyms=synonyms,
        description=f"General MIDI program {program + 1}",
    )


def _kit(program: int, name: str, *synonyms: str, display: str = "") -> Instrument:
    return Instrument(
        name=name,
        display_name=display,
        type="percussion",
        family="drums",
        gm_program=program,
        is_drum=True,
        low=35,
        high=81,
        roles=("rhythm",),
        priority=2,
        synonyms=synonyms,
        description=f"GS drum kit, program {program + 1} on channel 10",
    )


INSTRUMENTS: tuple[Instrument, ...] = (
    # Piano (0 acoustic grand and 4 electric piano 1 are core instruments)
    _gm(1, "bright_piano", "keys", 21, 108, PIANO, "bright acoustic piano", "bright grand", priority=2),
    _gm(2, "electric_grand", "keys", 28, 103, PIANO, "electric grand piano", "cp-70", "cp70", priority=2),
    _gm(3, "honky_tonk_piano", "keys", 21, 108, PIANO, "honky-tonk piano", "saloon piano", "barroom piano"),
    _gm(5, "electric_piano_2", "keys", 28, 103, KEYS, "fm piano", "fm electric piano", "dx7 piano", "dx7", "dx piano"),
    _gm(6, "harpsichord", "keys", 29, 89, KEYS, "harpsichords", "cembalo", priority=2),
    _gm(7, "clavinet", "keys", 29, 88, KEYS, "clav", "clavinets", "funky clav"),
    # Chromatic percussion
    _gm(8, "celesta", "chromatic_percussion", 60, 108, MALLETS, "celeste", "celeste bells"),
    _gm(9, "glockenspiel", "chromatic_percussion", 79, 108, MALLETS, "glock", "orchestral bells"),
    _gm(10, "music_box", "chromatic_percussion", 60, 96, MALLETS, "musicbox", "toy piano"),
    _gm(11, "vibraphone", "chromatic_percussion", 53, 89, MALLETS, "vibraharp", "vibraphones"),
    _gm(12, "marimba", "chromatic_percussion", 45, 96, MALLETS, "marimbas"),
    _gm(13, "xylophone", "chromatic_percussion", 65, 108, MALLETS, "xylophones"),
    _gm(14, "tubular_bells", "chromatic_percussion", 60, 77, LEAD, "chimes", "church bells", "bells", "tubular bell"),
    _gm(15, "dulcimer", "chromatic_percussion", 50, 88, MALLETS, "hammered dulcimer", "santur", "cimbalom"),
    # Organ (16 drawbar organ is core)
    _gm(17, "percussive_organ", "organ", 36, 96, ORGAN, "percussive organ", "farfisa"),
    _gm(18, "rock_organ", "organ", 36, 96, ORGAN, "rock organ", "overdriven organ"),
    _gm(19, "church_organ", "organ", 24, 103, ORGAN, "pipe organ", "cathedral organ", "church organ", priority=2),
    _gm(20, "reed_organ", "organ", 41, 89, ORGAN, "harmonium", "pump organ"),
    _gm(21, "accordion", "organ", 41, 93, ("harmony", "melody", "pad"), "accordions", "concertina", "squeezebox"),
    _gm(22, "harmonica", "organ", 60, 96, LEAD, "blues harp", "mouth organ", "harmonicas", "melodica"),
    _gm(23, "tango_accordion", "organ", 36, 93, ("harmony", "melody", "pad"), "bandoneon", "bandoneón"),
    # Guitar (25 steel and 27 clean electric are core)
    _gm(24, "nylon_guitar", "guitar", 40, 83, GUITAR, "nylon-string guitar", "nylon string guitar", priority=2),
    _gm(26, "jazz_guitar", "guitar", 40, 86, GUITAR, "hollow body guitar", "archtop guitar", "archtop", priority=2),
    _gm(28, "muted_guitar", "guitar", 40, 86, GUITAR, "palm-muted guitar", "palm muted guitar", "muted guitars"),
    _gm(29, "overdriven_guitar", "guitar", 40, 88, GUITAR, "overdrive guitar", "crunchy guitar", "crunch guitar"),
    _gm(30, "distortion_guitar", "guitar", 40, 88, GUITAR, "distorted guitar", "distorted guitars", "heavy guitar"),
    _gm(31, "guitar_harmonics", "guitar", 52, 96, LEAD, "harmonics guitar"),
    # Bass (33 finger bass is core)
    _gm(
        32,
        "acoustic_bass",
        "bass",
        28,
        67,
        BASS,
        "acoustic basses",
        "upright bass",
        "double bass",
        "string bass",
        "jazz upright",
        priority=1,
        mono=True,
    ),
    _gm(34, "picked_bass", "bass", 28, 67, BASS, "pick bass", "bass with a pick", priority=1, mono=True),
    _gm(35, "fretless_bass", "bass", 28, 67, BASS, "fretless", priority=1, mono=True),
    _gm(36, "slap_bass", "bass", 28, 67, BASS, "slapped bass", "slap bass 1", "funk bass", priority=1, mono=True),
    _gm(37, "slap_bass_2", "bass", 28, 67, BASS, "popped bass", "slap and pop bass", priority=1, mono=True),
    _gm(
        38,
        "synth_bass",
        "bass",
        24,
        72,
        BASS,
        "synth-bass",
        "analog bass",
        "moog bass",
        "sub bass",
        "808 bass",
        "bass synth",
        priority=1,
        mono=True,
    ),  # fmt: skip
    _gm(
        39,
        "synth_bass_2",
        "bass",
        24,
        72,
        BASS,
        "acid bass",
        "tb-303",
        "303",
        "reese bass",
        "wobble bass",
        priority=1,
        mono=True,
    ),  # fmt: skip
    # Strings (40 violin and 42 cello are core)
    _gm(41, "viola", "strings", 48, 88, ("counter_melody", "harmony", "melody", "pad"), "violas", mono=True),
    _gm(43, "contrabass", "strings", 28, 67, BASS, "contrabasses", "orchestral bass", "bass section", mono=True),
    _gm(44, "tremolo_strings", "strings", 36, 96, ENSEMBLE, "string tremolo", "tremolando strings"),
    _gm(45, "pizzicato_strings", "strings", 28, 96, MALLETS, "pizzicato", "pizz", "plucked strings"),
    _gm(
        46, "harp", "harp", 24, 103, GUITAR, "orchestral harp", "concert harp", "harps", "harpist", display="harp"
    ),  # fmt: skip
    _gm(
        47,
        "timpani",
        "timpani",
        38,
        57,
        LOW_DRUM,
        "timpani rolls",
        "timpani roll",
        "kettle drums",
        "kettledrums",
        "kettle drum",
        "timps",
        priority=4,
        mono=True,
    ),  # fmt: skip
    # Ensemble
    _gm(
        48,
        "string_ensemble",
        "strings",
        28,
        96,
        ENSEMBLE,
        "string orchestra",
        "lush strings",
        "orchestral strings",
        "sweeping strings",
        "string ensembles",
        priority=2,
    ),  # fmt: skip
    _gm(49, "slow_strings", "strings", 28, 96, ENSEMBLE, "string ensemble 2", "slow string ensemble"),
    _gm(50, "synth_strings", "strings", 36, 96, ENSEMBLE, "string synth", "solina", "string machine"),
    _gm(51, "synth_strings_2", "strings", 36, 96, ENSEMBLE, "synth strings 2"),
    _gm(
        52,
        "choir_aahs",
        "choir",
        40,
        81,
        ENSEMBLE,
        "choir",
        "choirs",
        "choral voices",
        "voices",
        "singers",
        "vocal ensemble",
        "choir aahs",
        "chorale voices",
        priority=2,
    ),  # fmt: skip
    _gm(53, "voice_oohs", "choir", 40, 81, ENSEMBLE, "oohs", "vocal oohs", "humming", "hummed vocals"),
    _gm(54, "synth_voice", "choir", 40, 84, ENSEMBLE, "synth choir", "vocoder", "synth vox"),
    _gm(55, "orchestra_hit", "strings", 36, 84, ("harmony", "melody"), "orch hit", "orchestral hit", "orchestra hits"),
    # Brass (56 trumpet is core)
    _gm(57, "trombone", "brass", 40, 77, ("counter_melody", "melody", "bass", "harmony"), "trombones", mono=True),
    _gm(58, "tuba", "brass", 26, 58, ("bass", "counter_melody"), "tubas", "sousaphone", "euphonium", mono=True),
    _gm(59, "muted_trumpet", "brass", 54, 82, LEAD, "harmon mute trumpet", "harmon trumpet", mono=True),
    _gm(
        60,
        "french_horn",
        "brass",
        34,
        77,
        ("counter_melody", "melody", "harmony", "pad"),
        "french horns",
        "horn",
        "horn in f",
        "waldhorn",
        priority=2,
        mono=True,
    ),  # fmt: skip
    _gm(
        61,
        "brass_section",
        "brass",
        36,
        84,
        ("harmony", "melody", "pad", "counter_melody"),
        "brass",
        "brass stabs",
        "brass hits",
        "brass ensemble",
        priority=2,
    ),  # fmt: skip
    _gm(62, "synth_brass", "brass", 36, 96, ("harmony", "melody", "pad"), "brass synth", "synth horns"),
    _gm(63, "synth_brass_2", "brass", 36, 96, ("harmony", "melody", "pad"), "synth brass 2"),
    # Reed (65 alto sax is core)
    _gm(64, "soprano_sax", "reed", 56, 87, LEAD, "soprano saxophone", mono=True),
    _gm(66, "tenor_sax", "reed", 44, 75, LEAD, "tenor saxophone", priority=2, mono=True),
    _gm(67, "baritone_sax", "reed", 37, 69, LOW_LEAD, "bari sax", "baritone saxophone", mono=True),
    _gm(68, "oboe", "reed", 58, 91, LEAD, "oboes", mono=True),
    _gm(69, "english_horn", "reed", 52, 81, LEAD, "cor anglais", mono=True),
    _gm(70, "bassoon", "reed", 34, 75, LOW_LEAD, "bassoons", "contrabassoon", "fagott", mono=True),
    _gm(71, "clarinet", "reed", 50, 94, LEAD, "clarinets", "bass clarinet", mono=True),
    # Pipe (73 flute is core)
    _gm(72, "piccolo", "pipe", 74, 108, LEAD, "piccolos", "fife", mono=True),
    _gm(74, "recorder", "pipe", 60, 96, LEAD, "recorders", "alto recorder", "soprano recorder", mono=True),
    _gm(75, "pan_flute", "pipe", 60, 96, LEAD, "pan pipes", "panpipes", "pan pipe", "panflute", "zampona", mono=True),
    _gm(76, "blown_bottle", "pipe", 60, 84, LEAD, "bottle blow", mono=True),
    _gm(77, "shakuhachi", "pipe", 62, 93, LEAD, "bamboo flute", "shakuhachis", mono=True),
    _gm(78, "whistle", "pipe", 74, 98, LEAD, "tin whistle", "penny whistle", "irish whistle", "whistling", mono=True),
    _gm(79, "ocarina", "pipe", 60, 84, LEAD, "ocarinas", mono=True),
    # Synth lead (81 sawtooth is the core synthesizer)
    _gm(
        80,
        "square_lead",
        "synth_lead",
        36,
        96,
        SYNTH_LEAD,
        "square wave",
        "square wave lead",
        "chiptune lead",
        "8-bit lead",
        "pulse lead",
    ),  # fmt: skip
    _gm(82, "calliope_lead", "synth_lead", 36, 96, SYNTH_LEAD, "calliope", "steam organ"),
    _gm(83, "chiff_lead", "synth_lead", 36, 96, SYNTH_LEAD, "chiff"),
    _gm(84, "charang_lead", "synth_lead", 36, 96, SYNTH_LEAD, "charang", "synth guitar"),
    _gm(85, "voice_lead", "synth_lead", 36, 96, SYNTH_LEAD, "vox lead", "theremin"),
    _gm(86, "fifths_lead", "synth_lead", 36, 96, SYNTH_LEAD, "power lead"),
    _gm(87, "bass_lead", "synth_lead", 36, 96, ("bass", "melody", "counter_melody"), "bass and lead"),
    # Synth pad (89 warm pad is the core pad_synth)
    _gm(88, "new_age_pad", "synth_pad", 36, 96, PAD, "new age pad", "fantasia pad"),
    _gm(
        90,
        "polysynth",
        "synth_pad",
        36,
        96,
        ("harmony", "pad", "melody"),
        "poly synth",
        "polysynth pad",
        "synth chords",
        "poly synths",
    ),  # fmt: skip
    _gm(91, "choir_pad", "synth_pad", 36, 96, PAD, "space voice", "vocal pad"),
    _gm(92, "bowed_pad", "synth_pad", 36, 96, PAD, "bowed glass"),
    _gm(93, "metallic_pad", "synth_pad", 36, 96, PAD, "metal pad"),
    _gm(94, "halo_pad", "synth_pad", 36, 96, PAD, "halo pads"),
    _gm(95, "sweep_pad", "synth_pad", 36, 96, PAD, "sweeping pad", "filter sweep pad"),
    # Synth effects
    _gm(96, "rain_fx", "synth_fx", 36, 96, COLOUR, "rain effect", "rain sounds", priority=5),
    _gm(97, "soundtrack_fx", "synth_fx", 36, 96, PAD, "soundtrack pad", priority=4),
    _gm(98, "crystal_fx", "synth_fx", 36, 96, ("counter_melody", "pad"), "crystal bells", priority=4),
    _gm(99, "atmosphere_fx", "synth_fx", 36, 96, PAD, "atmosphere effect", priority=4),
    _gm(100, "brightness_fx", "synth_fx", 36, 96, PAD, "brightness effect", priority=4),
    _gm(101, "goblins_fx", "synth_fx", 36, 96, COLOUR, "goblins", priority=5),
    _gm(102, "echoes_fx", "synth_fx", 36, 96, COLOUR, "echo drops", "echoes effect", priority=5),
    _gm(103, "sci_fi_fx", "synth_fx", 36, 96, COLOUR, "sci-fi effect", "sci-fi fx", "scifi fx", priority=5),
    # Ethnic
    _gm(104, "sitar", "ethnic", 48, 84, LEAD, "sitars"),
    _gm(105, "banjo", "ethnic", 48, 84, GUITAR, "banjos", "bluegrass banjo"),
    _gm(106, "shamisen", "ethnic", 50, 84, LEAD, "shamisens"),
    _gm(107, "koto", "ethnic", 55, 91, MALLETS, "kotos", "zither"),
    # the name 'kalimba' is left to third-party plugins (tests load one); the words still reach this one
    _gm(108, "thumb_piano", "ethnic", 60, 88, MALLETS, "kalimba", "kalimbas", "mbira", display="kalimba"),
    _gm(109, "bagpipe", "ethnic", 67, 81, ("melody",), "bagpipes", "highland pipes", mono=True),
    _gm(110, "folk_fiddle", "ethnic", 55, 100, LEAD, "country fiddle", "celtic fiddle", mono=True),
    _gm(111, "shanai", "ethnic", 60, 84, ("melody",), "shehnai", "shenai", "shawm", mono=True),
    # Percussive (pitched programs; the drum kits follow)
    _gm(112, "tinkle_bell", "percussive", 72, 108, LEAD, "tinkling bells", "sleigh bells", "jingle bells"),
    _gm(113, "agogo", "percussive", 60, 84, LEAD, "agogo bells"),
    _gm(
        114,
        "steel_drums",
        "percussive",
        55,
        88,
        MALLETS,
        "steel drum",
        "steel pan",
        "steelpan",
        "steel pans",
        "handpan",
        "hang drum",
    ),  # fmt: skip
    _gm(115, "woodblock", "percussive", 60, 84, ("counter_melody",), "wood block", "woodblocks", "temple blocks"),
    _gm(116, "taiko_drum", "percussive", 36, 60, LOW_DRUM, "taiko", "taiko drums", "taikos", priority=4),
    _gm(117, "melodic_tom", "percussive", 36, 72, LOW_DRUM, "melodic toms", "tom melody", priority=4),
    _gm(118, "synth_drum", "percussive", 36, 72, LOW_DRUM, "syndrum", "syndrums", "synth toms", priority=4),
    _gm(119, "reverse_cymbal", "percussive", 48, 84, COLOUR, "reversed cymbal", "reverse crash", priority=5),
    # Sound effects
    _gm(120, "guitar_fret_noise", "sound_fx", 36, 96, COLOUR, "fret noise", "string squeaks", priority=5),
    _gm(121, "breath_noise", "sound_fx", 36, 96, COLOUR, "breath sounds", priority=5),
    _gm(122, "seashore", "sound_fx", 36, 96, COLOUR, "ocean waves", "sea waves", "waves crashing", priority=5),
    _gm(123, "bird_tweet", "sound_fx", 36, 96, COLOUR, "birdsong", "bird song", "birds chirping", priority=5),
    _gm(124, "telephone_ring", "sound_fx", 36, 96, COLOUR, "telephone", "phone ringing", priority=5),
    _gm(125, "helicopter", "sound_fx", 36, 96, COLOUR, "helicopters", priority=5),
    _gm(126, "applause", "sound_fx", 36, 96, COLOUR, "clapping crowd", "audience applause", priority=5),
    _gm(127, "gunshot", "sound_fx", 36, 96, COLOUR, "gunshots", "gun shots", priority=5),
    # GS drum kits (program 0, the standard kit, is the core drum_kit)
    _kit(8, "room_kit", "room drums", "roomy drums"),
    _kit(16, "power_kit", "power drums", "big drums", "arena drums", "rock kit"),
    _kit(
        24, "electronic_kit", "electronic drums", "electronic drum kit", "electro kit", "909", "tr-909", "drum pads"
    ),  # fmt: skip
    _kit(
        25,
        "tr_808",
        "808",
        "808s",
        "tr-808",
        "tr808",
        "808 drums",
        "roland 808",
        "drum machine",
        "drum machines",
        "beat machine",
        display="TR-808",
    ),  # fmt: skip
    _kit(32, "jazz_kit", "jazz drums", "jazz drum kit"),
    _kit(40, "brush_kit", "brushes", "brushed drums", "brush drums", "drums with brushes"),
    _kit(48, "orchestra_kit", "orchestral percussion", "concert percussion", "orchestra percussion"),
    _kit(56, "sfx_kit", "sound effects kit", "sfx drums"),
)


@hookimpl
def register_instruments(register):
    for instrument in INSTRUMENTS:
        register(instrument)
