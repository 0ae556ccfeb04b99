"""A news page whose bytes change on every request while its text stays: nonces, relative
times, build state and hashed CSS class names, as real outlets serve them."""

from __future__ import annotations

URL = "https://www.zdfheute.de/politik/ausland/gespraeche-100.html"
PARAGRAPHS = "".join(
    f"<p>Absatz {n}: Die Delegationen verhandeln in Genf weiter über eine Waffenruhe, "
    f"und beide Seiten nennen die Gespräche konstruktiv, aber schwierig.</p>"
    for n in range(1, 6)
)


def page(
    nonce: str = "a1b2c3",
    ago: str = "vor 5 Minuten",
    state: str = '{"build":"x1"}',
    css: str = ".r1nj4qn5{color:red}",
    headline: str = "Gespräche in Genf gehen weiter",
    paragraphs: str = PARAGRAPHS,
    ld_headline: str = "Gespräche in Genf gehen weiter",
    testid: str = "article-body",
) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{headline}</title>'
        f'<script nonce="{nonce}" type="application/ld+json">'
        f'{{"@type":"NewsArticle","headline":"{ld_headline}"}}</script>'
        f'<script nonce="{nonce}">window.__STATE__={state}</script>'
        f"<style nonce='{nonce}'>{css}</style></head><body><main><article>"
        f'<h1>{headline}</h1><time datetime="2026-11-24T10:00:00+01:00">24.11.2026</time>'
        f"<span>{ago}</span><div data-testid='{testid}'>{paragraphs}</div>"
        f"</article></main></body></html>"
    ).encode()
