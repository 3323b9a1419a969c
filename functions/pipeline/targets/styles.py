"""One palette and type scale per style; every target renders the same values."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Palette:
    style: str
    brightness: str  # "light" | "dark"
    background: str
    surface: str
    text: str
    muted: str
    primary: str
    on_primary: str
    accent: str
    border: str
    font_body: str  # a CSS font stack
    font_heading: str
    radius_px: int

    def colours(self) -> dict[str, str]:
        """Role -> hex colour, in a fixed order (documents and CSS list them alike)."""
        return {
            "background": self.background,
            "surface": self.surface,
            "text": self.text,
            "muted": self.muted,
            "primary": self.primary,
            "on-primary": self.on_primary,
            "accent": self.accent,
            "border": self.border,
        }

    @property
    def font_family(self) -> str:
        """The first family of the body stack, for platforms that take one name (Flutter)."""
        return self.font_body.split(",")[0].strip().strip('"')


_SYSTEM = "system-ui, -apple-system, sans-serif"

# style: brightness, then background surface text muted primary on-primary accent border.
_COLOURS = {
    "modern": "light #F8FAFC #FFFFFF #0F172A #475569 #4F46E5 #FFFFFF #06B6D4 #E2E8F0",
    "minimal": "light #FFFFFF #FAFAFA #111111 #555555 #111111 #FFFFFF #6B7280 #E5E5E5",
    "playful": "light #FFF7ED #FFFFFF #3B0764 #7C2D12 #DB2777 #FFFFFF #F59E0B #FED7AA",
    "corporate": "light #F3F4F6 #FFFFFF #1F2937 #4B5563 #1E3A8A #FFFFFF #0F766E #D1D5DB",
    "dark": "dark #0B1020 #151B2E #E5E7EB #9CA3AF #8B5CF6 #FFFFFF #22D3EE #27304A",
}
# style: body font stack, heading font stack, corner radius in px.
_TYPE = {
    "modern": (f'"Inter", {_SYSTEM}', f'"Inter", {_SYSTEM}', 12),
    "minimal": (f'"Helvetica Neue", Arial, {_SYSTEM}', f'"Helvetica Neue", Arial, {_SYSTEM}', 4),
    "playful": (f'"Nunito", {_SYSTEM}', f'"Baloo 2", "Nunito", {_SYSTEM}', 20),
    "corporate": (f'"Segoe UI", Roboto, {_SYSTEM}', 'Georgia, "Times New Roman", serif', 6),
    "dark": (f'"Inter", {_SYSTEM}', f'"Inter", {_SYSTEM}', 10),
}


def _palette(style: str) -> Palette:
    brightness, background, surface, text, muted, primary, on_primary, accent, border = _COLOURS[
        style
    ].split()
    font_body, font_heading, radius_px = _TYPE[style]
    return Palette(
        style=style,
        brightness=brightness,
        background=background,
        surface=surface,
        text=text,
        muted=muted,
        primary=primary,
        on_primary=on_primary,
        accent=accent,
        border=border,
        font_body=font_body,
        font_heading=font_heading,
        radius_px=radius_px,
    )


PALETTES: dict[str, Palette] = {style: _palette(style) for style in _COLOURS}


def palette_for(style: str) -> Palette:
    """The style's palette; an unknown style gets the default ("modern")."""
    return PALETTES.get(style, PALETTES["modern"])
