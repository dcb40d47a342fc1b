"""Draws delays.png, the line chart in this brief (illustrative values), with Pillow.
Run it again to redraw the figure: the output is the same bytes each time."""

from pathlib import Path

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 480, 240
DAYS = [2, 2, 3, 2, 6, 9, 7, 4, 3, 2, 2, 2]  # illustrative: a disruption in month 5

image = Image.new("RGB", (WIDTH, HEIGHT), "white")
draw = ImageDraw.Draw(image)
draw.line([(40, 210), (460, 210)], fill="#333333", width=2)
draw.line([(40, 20), (40, 210)], fill="#333333", width=2)
points = [(40 + 35 * i + 17, 210 - 19 * d) for i, d in enumerate(DAYS)]
draw.line(points, fill="#8a1c1c", width=3)
for x, y in points:
    draw.ellipse([x - 4, y - 4, x + 4, y + 4], fill="#8a1c1c")
image.save(Path(__file__).with_name("delays.png"), optimize=True)
