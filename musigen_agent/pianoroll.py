"""A piano-roll picture of an arrangement (PNG, drawn with Pillow).

Time runs left to right, pitch bottom to top; every part has its own colour (legend
at the top), drum parts are drawn as ticks in a lane of their own below the pitched
parts, and each section starts at a labelled vertical line.  It is drawn from the
notes, so it needs no audio render.
"""

from __future__ import annotations

import io

from .spec import Arrangement

#: One colour per part, in part order (cycled): distinguishable, also when printed grey.
PALETTE = (
    (230, 85, 13),
    (49, 130, 189),
    (49, 163, 84),
    (117, 107, 177),
    (222, 45, 38),
    (253, 174, 107),
    (158, 202, 225),
    (116, 196, 118),
    (188, 189, 220),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
    (255, 187, 120),
    (152, 223, 138),
)
BACKGROUND = (250, 250, 247)
GRID = (225, 225, 220)
MARKER = (60, 60, 60)
#: Horizontal resolution (pixels per second), bounded so long pieces stay viewable.
PIXELS_PER_SECOND = 40
MIN_WIDTH, MAX_WIDTH = 640, 4000
#: Height of one semitone and of the drum lane, in pixels.
ROW = 4
DRUM_LANE = 40
#: General MIDI percussion keys spread over the drum lane.
DRUM_KEYS = (27, 87)
LEGEND_ROW = 14
MARGIN = 8


def pianoroll_png(arr: Arrangement) -> bytes:
    """The piano roll of ``arr`` as PNG bytes."""
    from PIL import Image, ImageDraw  # lazy: only this format needs Pillow

    seconds = max(arr.seconds, 1e-3)
    width = int(min(MAX_WIDTH, max(MIN_WIDTH, seconds * PIXELS_PER_SECOND)))
    pitched = [n.pitch for p in arr.parts if not p.is_drum for n in p.notes]
    low, high = (min(pitched) - 2, max(pitched) + 2) if pitched else (48, 72)
    has_drums = any(p.is_drum and p.notes for p in arr.parts)
    legend_h = LEGEND_ROW * (1 + (len(arr.parts) - 1) // 4) + MARGIN if arr.parts else 0
    roll_top = legend_h + MARGIN
    roll_h = (high - low + 1) * ROW
    drum_top = roll_top + roll_h + MARGIN
    height = drum_top + (DRUM_LANE + MARGIN if has_drums else 0) + LEGEND_ROW
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    px_per_tick = (width - 2 * MARGIN) / max(arr.end_tick, 1)

    def x(tick: int) -> float:
        return MARGIN + tick * px_per_tick

    for pitch in range(low, high + 1):  # a faint line at every C
        if pitch % 12 == 0:
            y = roll_top + (high - pitch) * ROW
            draw.line([(MARGIN, y), (width - MARGIN, y)], fill=GRID)
    for section in arr.sections:
        sx = x(section.start_bar * arr.bar_ticks)
        draw.line([(sx, legend_h), (sx, height - LEGEND_ROW)], fill=MARKER, width=1)
        draw.text((sx + 2, height - LEGEND_ROW), section.name, fill=MARKER)
    for i, part in enumerate(arr.parts):
        colour = PALETTE[i % len(PALETTE)]
        lx, ly = MARGIN + (i % 4) * (width - 2 * MARGIN) // 4, MARGIN // 2 + (i // 4) * LEGEND_ROW
        draw.rectangle([lx, ly + 2, lx + 10, ly + 10], fill=colour)
        draw.text((lx + 14, ly), part.name, fill=MARKER)
        for note in part.notes:
            x0, x1 = x(note.start), max(x(note.start) + 1, x(note.start + note.duration))
            if part.is_drum:
                key = min(max(note.pitch, DRUM_KEYS[0]), DRUM_KEYS[1])  # cymbals on top, kicks below
                y = drum_top + (DRUM_KEYS[1] - key) * (DRUM_LANE - 4) // (DRUM_KEYS[1] - DRUM_KEYS[0])
                draw.line([(x0, y), (x0, y + 3)], fill=colour, width=2)
            else:
                y = roll_top + (high - note.pitch) * ROW
                draw.rectangle([x0, y, x1, y + ROW - 1], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
