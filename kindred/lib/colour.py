def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def text_on(background: str) -> str:
    """Black or white, whichever reads better on `background` (#rrggbb), by WCAG luminance."""
    try:
        luminance = relative_luminance(background)
    except (ValueError, IndexError):
        return "#ffffff"
    return "#111827" if luminance > 0.4 else "#ffffff"


def ink_on_white(colour: str) -> str:
    """`colour` (#rrggbb) for text and focus rings on a white page: itself when it reads (WCAG
    contrast 4.5:1), else darkened towards black in 5% steps until it does. A light brand colour
    (#fde047) stays the buttons' background, but links and focus rings need to be seen."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(21):
        keep = 1 - step / 20
        candidate = "#{:02x}{:02x}{:02x}".format(*(round(c * keep) for c in (r, g, b)))
        if 1.05 / (relative_luminance(candidate) + 0.05) >= 4.5:
            return candidate
    return "#000000"
