"""The words the prompt reader knows beyond the catalogue's names and synonyms.

Kept apart from the parsing code so the lists can grow without touching logic: tempo
markings, meter and feel words, section names, style words that map onto the
installed genres and moods ("lo-fi hip hop" -> electronic + relaxed), and ensembles
that expand to several parts ("string quartet" -> violin, violin, viola, cello).
Everything refers to catalogue items by name; entries naming an instrument, genre or
mood that is not installed are dropped when the lexicon is built, so the tables also
work with a reduced plugin set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .planning import word_table

#: Words that carry no musical request; never reported as ignored.
STOPWORDS = frozenset(
    "a an the and or with in on of for to at by some me my i i'm im am we you please make write compose create "
    "generate give want would like need could can let let's it its it's is be that this something kind sort get "
    "type piece tune song track music musical number composition instrumental melody style feel vibe vibes looking "
    "ish just only solo alone also plus featuring feat using use very really quite super bit little have has "
    "mood genre tempo key time length form structure about around roughly approximately sound sounds over "
    "sounding playing played play plays lots lot then into from but not no without minus "
    "this these those there their they them are was were been being which who what while when where as so than "
    "too both each every all any other another more most less throughout through during after before until onto "
    "upon up out off under between across along per via should will shall may might must maybe perhaps overall "
    "etc features feature featured creates creating created evokes evoking conveys conveying gives giving sets "
    "setting cue tunes songs pieces tracks instrumentation arrangement arranged accompanied accompaniment "
    "backing background signature part parts section sections carry carries carrying main lead leads "
    "atmosphere ambience overall here could maybe yeah hey hi thanks thank melodic catchy rhythmic".split()
)
#: Instrument words that are usually a description ("a dreamy atmosphere"), not an instrument, after an article.
DESCRIPTIVE_NOUNS = frozenset({"atmosphere"})
#: Tempo words -> bpm (Italian markings at the middle of their usual range).
TEMPO_WORDS = {
    w: int(v)
    for w, v in word_table(
        "grave=40; largo=50; very slow|really slow|super slow|lento=55; larghetto=63; slow|slowly|adagio=70; "
        "slow tempo|slow-paced|slow paced=70; leisurely=76; medium-slow|medium slow=80; andante=90; andantino=95; "
        "moderate|moderately|medium tempo|mid-tempo|midtempo|mid tempo|mid-paced|moderate tempo=100; "
        "moderato=110; allegretto=115; medium-fast|medium fast=120; brisk=125; "
        "uptempo|up-tempo|up tempo=128; allegro=130; lively=132; fast|quick|fast tempo=140; vivace=150; "
        "vivacissimo=165; very fast|really fast|super fast=170; presto=175; prestissimo=200"
    ).items()
}
LENGTH_WORDS = {
    w: float(v)
    for w, v in word_table("very short=15; jingle|sting|stinger=15; short|brief=30; long=180; very long=300").items()
}
METER_WORDS = word_table(
    "waltz|waltzes|waltzy|waltz-like|triple meter|triple time|in three|in 3|three-four|three four|minuet|mazurka|"
    "sarabande|bolero=3/4; jig|in six|in 6|six-eight|six eight|tarantella|siciliano|barcarolle|compound time=6/8; "
    "march|in two|in 2|two-four|two four|cut time|alla breve|polka=2/4; "
    "common time|in four|in 4|four-four|four four=4/4; "
    "in five|in 5|five-four|five four=5/4; in seven|in 7|seven-eight|seven eight=7/8; nine-eight|nine eight=9/8; "
    "twelve-eight|twelve eight|triplet feel|12/8 feel=12/8"
)
#: Feel words -> swing (0 straight ... 1 full triplet swing); a shuffle is swung eighths.
FEEL_WORDS = {
    w: float(v)
    for w, v in word_table(
        "shuffle|shuffled|shuffling|shuffle feel|shuffle beat|swung|swinging|swing feel|swung eighths=0.66; "
        "medium swing=0.5; light swing|slight swing|lazy swing=0.33; "
        "straight eighths|straight 8ths|straight feel|no swing=0"
    ).items()
}
SECTION_WORDS = word_table(
    "intro|introduction=intro; verse=verse; pre-chorus|prechorus|pre chorus=pre_chorus; chorus|refrain|hook=chorus; "
    "bridge|middle eight=bridge; breakdown=breakdown; build-up|buildup|build up=buildup; drop=drop; "
    "interlude=interlude; outro|ending=outro; coda=coda; theme=theme"
)
#: Words for a part of a drum kit or for the drums of a track ('a chill beat', 'a gated snare'): alone they
#: ask for a whole track that has drums, not for drums alone.
KIT_PART_WORDS = frozenset(
    "beat beats hihat hihats snare snares snaredrum snaredrums kick kicks kickdrum kickdrums cymbals toms "
    "breakbeat breakbeats".split()
)
#: Words for a drum kit or a part of one: they add no kit when a particular kit (an 808, brushes) is named too.
KIT_WORDS = KIT_PART_WORDS | {"drums", "drum", "kit", "drumkit", "drumset", "drummer"}
#: Words right before an instrument that set its level in the first mix, in dB: "soft
#: drums" are mixed 6 dB down, "loud guitars" 3 dB up (the stems are calibrated to one
#: level first, so how hard the notes are played cannot do it).
LEVEL_WORDS: dict[str, float] = {
    **dict.fromkeys(("soft", "quiet", "gentle", "subtle", "light", "distant", "background"), -6.0),
    **dict.fromkeys(("loud", "prominent", "big", "heavy", "punchy", "upfront", "up-front"), 3.0),
}
#: Instrument words that name a family, not a model: the genre's own member is used.
GENERIC_INSTRUMENT_WORDS = frozenset({"guitar", "guitars", "keys", "keyboard", "keyboards"})
#: Church modes are played in the closest of the two modes a spec has.
CHURCH_MODES = word_table("ionian|lydian|mixolydian=major; dorian|phrygian|aeolian|locrian=minor")


@dataclass(frozen=True)
class Style:
    """What a style word outside the catalogue stands for, in catalogue terms.

    ``kind`` says how strongly: a *genre* word ("trap") names the genre, and its moods,
    tempo, band, swing and meter are only implied (anything stated beats them); a
    *mood* word ("spooky") names its moods, and its genre is only a hint used when the
    prompt names no genre.
    """

    kind: Literal["genre", "mood"]
    genre: str | None = None
    moods: tuple[str, ...] = ()
    tempo: int | None = None
    band: tuple[str, ...] = ()
    swing: float | None = None
    meter: str | None = None

    def describe(self) -> str:
        """'electronic + relaxed': the mapping as notes report it."""
        return " + ".join(x for x in (self.genre, *self.moods) if x)


def _g(genre: str, *moods: str, tempo: int | None = None, band: str = "", swing: float | None = None,
       meter: str | None = None) -> Style:  # fmt: skip
    return Style("genre", genre, moods, tempo, tuple(band.split()), swing, meter)


def _m(*moods: str, genre: str | None = None, band: str = "", tempo: int | None = None) -> Style:
    return Style("mood", genre, moods, tempo, tuple(band.split()))


ORCHESTRA = "string_ensemble contrabass french_horn flute clarinet timpani"
AMBIENT = "pad_synth new_age_pad acoustic_piano"
LOFI = "electric_piano bass_guitar drum_kit pad_synth"
TRAP = "tr_808 synth_bass synthesizer pad_synth"
SYNTHWAVE = "synthesizer synth_bass polysynth electronic_kit"
METAL = "distortion_guitar bass_guitar power_kit"

#: Style words -> Style.  Phrases are '|'-separated; spacing, hyphens and case do not matter.
STYLES: dict[str, Style] = {
    phrase.strip(): style
    for phrases, style in (
        # genre words: electronic
        (
            "lo-fi hip hop|lofi hip hop|lofi hiphop|lo-fi|lofi|lo fi|chillhop",
            _g("electronic", "relaxed", tempo=80, band=LOFI, swing=0.3),
        ),
        (
            "ambient|ambient music|dark ambient|drone|soundscape|ambient electronic",
            _g("electronic", "relaxed", tempo=70, band=AMBIENT),
        ),
        ("new age|new-age", _g("electronic", "relaxed", tempo=70, band="new_age_pad acoustic_piano pan_flute")),
        ("chillout|chill-out|downtempo|trip hop|trip-hop", _g("electronic", "relaxed", tempo=90, band=LOFI)),
        ("chillwave|dream pop|vaporwave", _g("electronic", "relaxed", tempo=95, band=SYNTHWAVE)),
        ("synthwave|retrowave|outrun|retro synth|80s synth", _g("electronic", tempo=108, band=SYNTHWAVE)),
        ("darksynth|cyberpunk", _g("electronic", "dramatic", tempo=110, band=SYNTHWAVE)),
        ("trap|drill|phonk", _g("electronic", "dramatic", tempo=140, band=TRAP)),
        (
            "hip hop|hip-hop|hiphop|rap|boom bap|boom-bap",
            _g("funk", tempo=90, band="electric_piano synth_bass drum_kit", swing=0.2),
        ),
        ("dubstep|brostep|riddim", _g("electronic", "energetic", tempo=140, band="synthesizer synth_bass_2 tr_808")),
        (
            "drum and bass|drum n bass|drum'n'bass|dnb|d&b|jungle|liquid dnb",
            _g("electronic", "energetic", tempo=174, band="synthesizer synth_bass drum_kit pad_synth"),
        ),
        (
            "future bass|tropical house",
            _g("electronic", "happy", tempo=150, band="synthesizer polysynth synth_bass tr_808"),
        ),
        ("hyperpop|eurobeat|eurodance|hi-nrg|hardstyle|hardcore|gabber", _g("electronic", "energetic", tempo=155)),
        ("uk garage|2-step|two-step|speed garage", _g("electronic", tempo=132, swing=0.3)),
        (
            "chiptune|chip tune|8-bit|8 bit|bitpop|video game music|retro game|retro video game|nes",
            _g("electronic", "happy", tempo=140, band="square_lead synth_bass_2 electronic_kit"),
        ),
        # genre words: pop, rock and their neighbours
        ("k-pop|kpop|j-pop|jpop|anime|anime opening", _g("pop", "energetic", tempo=128)),
        ("city pop|citypop", _g("pop", "relaxed", tempo=105, band="electric_piano slap_bass drum_kit synth_brass")),
        ("gospel", _g("pop", "happy", tempo=90, band="church_organ acoustic_piano choir_aahs bass_guitar drum_kit")),
        ("motown|doo-wop|doo wop", _g("funk", "happy", tempo=110)),
        ("corporate|commercial|advertising", _g("pop", "happy", tempo=110)),
        (
            "christmas|xmas|holiday music|holiday song",
            _g("pop", "happy", tempo=110, band="acoustic_piano tinkle_bell bass_guitar drum_kit string_ensemble"),
        ),
        (
            "metal|heavy metal|thrash|thrash metal|death metal|black metal|metalcore|djent|nu metal|power metal",
            _g("rock", "energetic", tempo=160, band=METAL),
        ),
        ("doom metal|sludge|stoner rock", _g("rock", "dramatic", tempo=70, band=METAL)),
        ("emo|pop punk|pop-punk|punk rock", _g("rock", "energetic", tempo=170)),
        ("shoegaze|post-rock|post rock", _g("rock", "dramatic", tempo=100)),
        ("prog|prog rock|progressive rock|psychedelic|psych rock", _g("rock", "dramatic")),
        ("surf rock|surf", _g("rock", "happy", tempo=160)),
        ("rockabilly", _g("rock", "happy", tempo=170, swing=0.6)),
        # genre words: jazz, latin, world
        (
            "bossa nova|bossanova|bossa|bossa-ish|bossaish",
            _g("jazz", "relaxed", tempo=130, band="nylon_guitar acoustic_piano acoustic_bass percussion", swing=0.0),
        ),
        (
            "samba|salsa|mambo|latin jazz|latin",
            _g("jazz", "happy", tempo=110, band="acoustic_piano bass_guitar percussion trumpet", swing=0.0),
        ),
        ("jazz fusion|fusion", _g("jazz", "energetic", swing=0.0)),
        ("ragtime|stride", _g("jazz", "happy", tempo=100, band="acoustic_piano", swing=0.0, meter="2/4")),
        ("ballad|power ballad|slow song|slow dance", _g("pop", "relaxed", "sad", tempo=72)),
        (
            "march|marching band|military march|marching",
            _g(
                "classical",
                "happy",
                tempo=120,
                band="trumpet trombone tuba french_horn drum_kit",
                swing=0.0,
                meter="2/4",
            ),
        ),
        (
            "dixieland|new orleans jazz",
            _g("jazz", "happy", tempo=180, band="trumpet clarinet trombone acoustic_piano tuba drum_kit"),
        ),
        ("tango", _g("classical", "dramatic", tempo=120, band="tango_accordion violin acoustic_piano contrabass")),
        ("flamenco", _g("folk", "dramatic", tempo=120, band="nylon_guitar percussion")),
        (
            "afrobeat|afrobeats|highlife",
            _g("funk", "happy", tempo=110, band="electric_guitar bass_guitar drum_kit percussion brass_section"),
        ),
        (
            "calypso|soca|caribbean",
            _g("reggae", "happy", tempo=115, band="steel_drums bass_guitar drum_kit percussion"),
        ),
        ("reggaeton|dembow|dancehall", _g("reggae", "energetic", tempo=95)),
        ("bluegrass", _g("country", "happy", tempo=140, band="banjo violin acoustic_guitar acoustic_bass")),
        (
            "spaghetti western|western movie",
            _g("country", "dramatic", tempo=100, band="nylon_guitar harmonica whistle trumpet"),
        ),
        ("celtic|irish|scottish|irish folk", _g("folk", tempo=120, band="violin whistle acoustic_guitar percussion")),
        (
            "sea shanty|shanty|sea shanties",
            _g("folk", "happy", tempo=110, band="accordion violin acoustic_guitar percussion"),
        ),
        ("polka", _g("folk", "happy", tempo=120, band="accordion tuba clarinet", meter="2/4")),
        (
            "medieval|renaissance|minstrel",
            _g("folk", "relaxed", tempo=90, band="recorder nylon_guitar dulcimer percussion"),
        ),
        ("indian|bollywood|raga", _g("folk", "relaxed", band="sitar percussion pad_synth")),
        ("japanese|zen garden|zen", _g("folk", "relaxed", tempo=70, band="koto shakuhachi new_age_pad")),
        ("middle eastern|arabic|arabian", _g("folk", "dramatic", band="shanai percussion string_ensemble")),
        # genre words: classical and screen
        ("orchestral|symphonic|orchestra music", _g("classical", band=ORCHESTRA)),
        (
            "film score|movie score|soundtrack|score|trailer music|epic trailer|film music",
            _g("classical", "dramatic", band=ORCHESTRA),
        ),
        ("baroque|bach|vivaldi|handel|telemann", _g("classical", band="harpsichord violin violin cello")),
        (
            "chopin|liszt|rachmaninoff|rachmaninov|satie|debussy|nocturne|etude|étude",
            _g("classical", band="acoustic_piano"),
        ),
        ("mozart|haydn|beethoven|schubert|brahms|tchaikovsky|mahler|dvorak|dvořák", _g("classical")),
        ("four on the floor|four-on-the-floor", _g("electronic")),
        ("minimalist|minimalism", _g("classical", "relaxed", tempo=100, band="acoustic_piano marimba")),
        ("hymn|chorale|choral|sacred", _g("classical", "relaxed", tempo=70, band="church_organ choir_aahs")),
        ("gregorian chant|chant|plainchant", _g("classical", "relaxed", tempo=60, band="choir_aahs")),
        ("lullaby|lullabies|cradle song", _g("classical", "relaxed", tempo=66)),
        ("fanfare", _g("classical", "happy", tempo=112, band="trumpet trombone french_horn timpani")),
        ("circus", _g("pop", "happy", tempo=140, band="calliope_lead tuba percussion")),
        # mood words outside the catalogue
        ("cinematic|epic cinematic", _m("dramatic", genre="classical", band=ORCHESTRA)),
        (
            "spooky|creepy|eerie|haunting|haunted|scary|horror|sinister|halloween|macabre",
            _m("dramatic", "sad", genre="classical", band="string_ensemble celesta choir_aahs contrabass"),
        ),
        ("mysterious|mystery|enigmatic|suspense|noir", _m("dramatic", "relaxed")),
        ("nostalgic|sentimental|reminiscent|longing|yearning|wistful", _m("sad", "relaxed")),
        ("triumphant|victorious|glorious|anthemic|celebratory|jubilant|victory", _m("happy", "energetic")),
        ("angry|furious|rage|fierce|rebellious", _m("energetic", "dramatic")),
        ("romantic|tender|intimate|loving|love song", _m("relaxed", "happy")),
        ("whimsical|quirky|silly|comic|comedic|cartoon|goofy|cute", _m("happy")),
        (
            "magical|enchanting|fairy tale|fairytale|mystical|fantasy|enchanted",
            _m("happy", "relaxed", genre="classical", band="celesta harp string_ensemble flute"),
        ),
        (
            "ethereal|heavenly|celestial|airy|spacey|cosmic|floating|otherworldly",
            _m("relaxed", genre="electronic", band=AMBIENT),
        ),
        ("pensive|reflective|contemplative|introspective|thoughtful|moody|brooding melancholy", _m("sad", "relaxed")),
        ("solemn|funeral|elegy|elegiac|requiem|lament|grieving|tragic", _m("sad", "dramatic")),
        ("action|chase|battle|fight|combat|boss fight", _m("energetic", "dramatic")),
        ("adventurous|adventure|quest|exploration", _m("happy", "energetic")),
        ("sexy|sultry|seductive|sensual|smoky|slinky", _m("relaxed")),
        ("elegant|graceful|refined|classy|stately", _m("relaxed", "happy")),
        ("studying|study music|focus|concentration", _m("relaxed")),
        ("triste|traurig|tristeza", _m("sad")),
        ("feliz|heureux|heureuse|fröhlich|alegre|allegra", _m("happy")),
        ("tranquilo|tranquille|calme|ruhig|sereno", _m("relaxed")),
        ("inspiring|inspirational|motivational|empowering|determined", _m("happy")),
        ("festive|celebration|joyous|carefree", _m("happy")),
        (
            "sleepy|sleep|meditation|yoga|spa|tranquil|zen-like|hypnotic",
            _m("relaxed", genre="electronic", band=AMBIENT),
        ),
        ("workout|gym|pumped|adrenaline", _m("energetic", genre="electronic")),
        ("anxious|nervous|uneasy|unsettling|disturbing|dissonant", _m("dramatic", "sad")),
        ("dark and moody|gritty|grim|bleak", _m("sad", "dramatic")),
    )
    for phrase in phrases.split("|")
}

#: Ensembles and approximations: phrase -> (instruments, genre hint, note).  An approximation is an
#: instrument General MIDI lacks, played by the closest sound; the note says so.
ENSEMBLES: dict[str, tuple[tuple[str, ...], str | None, str]] = {}
for _line in (
    "string quartet|string quartets = violin violin viola cello @classical",
    "string trio = violin viola cello @classical",
    "piano trio = acoustic_piano violin cello @classical",
    "piano quintet = acoustic_piano violin violin viola cello @classical",
    "woodwind quintet|wind quintet = flute oboe clarinet french_horn bassoon @classical",
    "woodwinds|woodwind section|woodwind ensemble = flute oboe clarinet bassoon @classical",
    "brass section = trumpet trombone french_horn tuba",
    "brass band = trumpet trumpet french_horn trombone tuba",
    "low brass = trombone tuba",
    "brass quintet = trumpet trumpet french_horn trombone tuba @classical",
    "horn section|horns = trumpet tenor_sax trombone",
    "rhythm section = acoustic_piano bass_guitar drum_kit",
    "jazz trio|jazz piano trio = acoustic_piano acoustic_bass drum_kit @jazz",
    "jazz quartet = tenor_sax acoustic_piano acoustic_bass drum_kit @jazz",
    "jazz quintet = trumpet tenor_sax acoustic_piano acoustic_bass drum_kit @jazz",
    "power trio = electric_guitar bass_guitar drum_kit @rock",
    "rock band = electric_guitar bass_guitar drum_kit @rock",
    "big band = trumpet trumpet trombone trombone saxophone tenor_sax baritone_sax acoustic_piano bass_guitar "
    "drum_kit @jazz",
    "orchestra|full orchestra|symphony orchestra = violin violin viola cello contrabass flute clarinet french_horn "
    "trumpet timpani @classical",
    "chamber orchestra = violin violin viola cello contrabass flute oboe @classical",
    "string orchestra|string section = string_ensemble cello contrabass @classical",
    "low strings = cello contrabass",
    "high strings = violin violin",
    "mariachi = trumpet trumpet violin nylon_guitar acoustic_bass @folk",
    "ukulele|ukuleles|uke = nylon_guitar ! no General MIDI ukulele; the nylon guitar is the closest sound",
    "mandolin|mandolins|bouzouki = banjo ! no General MIDI mandolin; the banjo is the closest sound",
    "lute|lutes|oud = nylon_guitar ! no General MIDI lute; the nylon guitar is the closest sound",
    "erhu = violin ! no General MIDI erhu; the violin is the closest sound",
    "mellotron = string_ensemble ! played as the string ensemble",
    "supersaw|supersaws|supersaw lead|pluck synth|plucks = synthesizer",
    "singing bowl|singing bowls = tubular_bells ! no General MIDI singing bowl; tubular bells are the closest sound",
    "hand drum|hand drums|frame drum|bodhran|bodhrán|hand percussion = percussion",
    "909 drums|909 kit = electronic_kit",
    "808 kit|808 drum kit = tr_808",
    "breakbeat|breakbeats|amen break|amen breaks|kick = drum_kit",
    "cajon|cajón|tabla|tablas|djembe|djembes|bongo|timbales|cowbell|claves|hand claps|handclaps|claps = percussion",
    "hi-hat|hi-hats|hihat|hihats|hi hats|snare|snares|snare drum|kick drum|kicks|cymbals|toms = drum_kit",
):
    _phrases, _rest = _line.split(" = ")
    _spec, _, _note = _rest.partition(" ! ")
    _members, _, _hint = _spec.partition(" @")
    for _phrase in _phrases.split("|"):
        ENSEMBLES[_phrase.strip()] = (tuple(_members.split()), _hint.strip() or None, _note.strip())
