"""General MIDI facts the contract kit checks instruments against.

A plugin names its sound by a GM program number, so a range that the program's family
cannot plausibly play (a "piano" from MIDI 0 to 20, a flute down to 30) is almost
always a typo or the wrong program.  The envelopes below are deliberately generous --
the union of the real instruments in each family of eight programs, plus extended
models (5-string basses, piccolo, contrabassoon) -- so that only clear mistakes fail.
Synth and sound-effect families have no acoustic range and accept 0-127.
"""

from __future__ import annotations

#: The 128 General MIDI program names, 0-based (GM numbers them 1-128).
GM_PROGRAMS: tuple[str, ...] = (
    *("Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano"),
    *("Electric Piano 1", "Electric Piano 2", "Harpsichord", "Clavinet"),
    *("Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba", "Xylophone", "Tubular Bells", "Dulcimer"),
    *("Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ", "Reed Organ", "Accordion", "Harmonica"),
    "Tango Accordion",
    *("Acoustic Guitar (nylon)", "Acoustic Guitar (steel)", "Electric Guitar (jazz)", "Electric Guitar (clean)"),
    *("Electric Guitar (muted)", "Overdriven Guitar", "Distortion Guitar", "Guitar Harmonics"),
    *("Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)", "Fretless Bass", "Slap Bass 1"),
    *("Slap Bass 2", "Synth Bass 1", "Synth Bass 2"),
    *("Violin", "Viola", "Cello", "Contrabass", "Tremolo Strings", "Pizzicato Strings", "Orchestral Harp", "Timpani"),
    *("String Ensemble 1", "String Ensemble 2", "Synth Strings 1", "Synth Strings 2", "Choir Aahs", "Voice Oohs"),
    *("Synth Voice", "Orchestra Hit"),
    *("Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section", "Synth Brass 1", "Synth Brass 2"),
    *("Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon", "Clarinet"),
    *("Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina"),
    *("Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)", "Lead 5 (charang)"),
    *("Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)"),
    *("Pad 1 (new age)", "Pad 2 (warm)", "Pad 3 (polysynth)", "Pad 4 (choir)", "Pad 5 (bowed)", "Pad 6 (metallic)"),
    *("Pad 7 (halo)", "Pad 8 (sweep)"),
    *("FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)", "FX 5 (brightness)"),
    *("FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)"),
    *("Sitar", "Banjo", "Shamisen", "Koto", "Kalimba", "Bagpipe", "Fiddle", "Shanai"),
    *("Tinkle Bell", "Agogo", "Steel Drums", "Woodblock", "Taiko Drum", "Melodic Tom", "Synth Drum", "Reverse Cymbal"),
    *("Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet", "Telephone Ring", "Helicopter", "Applause"),
    "Gunshot",
)

#: GM family (programs 8*i .. 8*i+7) -> (name, lowest plausible MIDI pitch, highest).
GM_FAMILIES: tuple[tuple[str, int, int], ...] = (
    ("Piano", 21, 108),
    ("Chromatic Percussion", 36, 108),
    ("Organ", 21, 108),
    ("Guitar", 28, 96),
    ("Bass", 16, 79),
    ("Strings", 21, 108),
    ("Ensemble", 24, 108),
    ("Brass", 24, 96),
    ("Reed", 28, 100),
    ("Pipe", 36, 108),
    ("Synth Lead", 0, 127),
    ("Synth Pad", 0, 127),
    ("Synth Effects", 0, 127),
    ("Ethnic", 28, 108),
    ("Percussive", 24, 108),
    ("Sound Effects", 0, 127),
)

#: Keys of the GM percussion map (35-81 in GM 1, 27-87 in GM 2 / GS).
DRUM_KEYS = (27, 87)


def program_name(program: int) -> str:
    """'108 (Kalimba)' -- how messages name a program."""
    return f"{program} ({GM_PROGRAMS[program]})" if 0 <= program < 128 else str(program)


def family_of(program: int) -> tuple[str, int, int]:
    """The GM family of ``program`` with its plausible pitch range."""
    return GM_FAMILIES[program // 8]
