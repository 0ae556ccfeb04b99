"""Invented text for the variants (written for this check, in German and English)."""

from __future__ import annotations

import random

_HEADLINES = {
    "de": [
        "Stadtrat vertagt Entscheidung über neue Radwege am Hafen",
        "Wie ein kleiner Verein seine Turnhalle selbst saniert hat",
        "Bahnstrecke im Norden bleibt bis zum Herbst gesperrt",
        "Neue Messungen zeigen wärmeres Wasser im Bodensee",
        "Bäckereien klagen über gestiegene Preise für Mehl",
        "Gericht weist Klage gegen Windpark in der Heide ab",
    ],
    "en": [
        "Council delays its vote on harbour cycle lanes again",
        "How a village club rebuilt its own sports hall",
        "Northern rail line to stay closed until the autumn",
        "New readings show warmer water in the mountain lakes",
        "Bakers say the price of flour keeps climbing",
        "Court rejects challenge to the moorland wind farm",
    ],
}
_SENTENCES = {
    "de": [
        "Die Verwaltung kündigte am Nachmittag an, die Pläne bis Ende des Monats zu prüfen.",
        "Ein Sprecher der Behörde sagte, man stehe mit allen Beteiligten in engem Kontakt.",
        "Nach Angaben der Polizei wurde bei dem Vorfall niemand ernsthaft verletzt.",
    ],
    "en": [
        "Officials said in the afternoon that the plans would be reviewed by the end of the month.",
        "A spokesperson for the agency said it was in close contact with everyone involved.",
        "According to the police, nobody was seriously hurt in the incident.",
    ],
}
_ADS = {
    "de": ["Jetzt Tarife vergleichen und sparen", "Sommerreifen im Angebot: nur diese Woche"],
    "en": ["Compare energy plans and save today", "Summer tyres on offer: this week only"],
}
_NEW_WORDS = ["Ostrakon", "Velmira", "Quintaro", "Sandhügel", "Korvenat", "Pellucid"]


def lang_of(lang: str) -> str:
    return "de" if lang.lower().startswith("de") else "en"


def headline(lang: str, rng: random.Random) -> str:
    return rng.choice(_HEADLINES[lang_of(lang)])


def sentence(lang: str, rng: random.Random) -> str:
    return rng.choice(_SENTENCES[lang_of(lang)])


def ad_copy(lang: str, n: int) -> str:
    ads = _ADS[lang_of(lang)]
    return ads[n % len(ads)]


def new_word(old: str, rng: random.Random) -> str:
    """A word other than `old`, capitalized as it is."""
    word = rng.choice([w for w in _NEW_WORDS if w.casefold() != old.casefold()])
    return word if old[:1].isupper() else word.lower()
