"""Look-alike letters of other scripts, folded to the Latin letter they imitate.

In the spirit of the UTS #39 skeleton, but small and explicit: only letters that pass
for a Latin letter in ordinary fonts (Cyrillic ``а`` for ``a``, Greek ``Ο`` for ``O``),
case kept. Digits of other scripts, full-width and mathematical forms are folded by
NFKD and the digit rule in ``fold.py``, not here. Latin-to-Latin look-alikes (``0``/``O``,
``1``/``l``/``I``) are NOT folded: they would merge digits with letters and make every
number match words.

The table is data: one ``source target`` pair per entry, source a single character.
"""

from __future__ import annotations

_TABLE = """
Cyrillic capitals:  А A  В B  Е E  К K  М M  Н H  О O  Р P  С C  Т T  У Y  Х X  Ѕ S  І I
                    Ј J  Ԛ Q  Ԝ W  Ү Y  Һ H  Ӏ I  Ѵ V  Ԁ D  Ԍ G
Cyrillic small:     а a  е e  о o  р p  с c  у y  х x  ѕ s  і i  ј j  ԁ d  һ h  ӏ l  ԛ q
                    ԝ w  ү y  ѵ v  ԍ g
Greek capitals:     Α A  Β B  Ε E  Ζ Z  Η H  Ι I  Κ K  Μ M  Ν N  Ο O  Ρ P  Τ T  Υ Y  Χ X
                    Ϲ C  Ϳ J
Greek small:        α a  ο o  ρ p  ν v  ι i  κ k  υ u  ϲ c  ϳ j  γ y  χ x
Latin extras:       ı i  ȷ j  ɑ a  ɡ g  ɩ i  ɪ i  ʏ y  ᴀ a  ᴄ c  ᴅ d  ᴇ e  ᴋ k  ᴍ m  ᴏ o  ᴘ p
                    ᴛ t  ᴜ u  ᴠ v  ᴡ w  ᴢ z
Armenian:           օ o  ս u  հ h  ո n  զ q  ց g  Տ S  Օ O  Ս U
Cherokee:           Ꭺ A  Ᏼ B  Ꮯ C  Ꭼ E  Ꮋ H  Ꭻ J  Ꮶ K  Ꮇ M  Ꮲ P  Ꮪ S  Ꭲ T  Ꮃ W  Ꮓ Z
"""


def _parse(table: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in table.strip().splitlines():
        tokens = line.rpartition(":")[2].split()  # (a continuation line has no label)
        for source, target in zip(tokens[::2], tokens[1::2], strict=True):
            out[source] = target
    return out


#: source character -> the Latin letter it imitates (same case)
CONFUSABLES: dict[str, str] = _parse(_TABLE)
