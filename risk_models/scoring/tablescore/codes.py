"""Bin labels and reason codes: the text a decision carries, shared by every scoring path.

``feature_code(f)`` (``"RC-UTILISATION"``) is stable for a feature across retrainings; a
lender maps it to notice text. ``reason_code(f, label)`` adds a short hash of the bin label
(``"RC-UTILISATION-3F2A9C"``), stable for the same table.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence

#: Separates the parts of a hashed text (the ASCII unit separator).
SEP = "\x1f"


def _slug(feature: str) -> str:
    """Upper-case ASCII letters, digits and single underscores (accents folded: é -> E)."""
    folded = unicodedata.normalize("NFKD", feature).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "_", folded.upper()).strip("_")


def _hex(text: str, n_bytes: int) -> str:
    return hashlib.blake2b(text.encode(), digest_size=n_bytes).hexdigest().upper()


def feature_code(feature: str) -> str:
    """Per-feature code, e.g. ``"RC-UTILISATION"`` for ``"utilisation"``.

    The code is ``RC-`` and the name in upper case with every run of other characters as one
    ``_`` (``"n_delinquencies (12m)"`` -> ``RC-N_DELINQUENCIES_12M``). A name with non-ASCII
    characters is folded (``é`` -> ``E``) and gets 6 hex digits of a hash of the exact
    (NFC-normalised) name as well, so it stays distinct and stable: ``revenu_été`` ->
    ``RC-REVENU_ETE-...``, ``收入`` -> ``RC-FEATURE-...``. Case and punctuation folding can give
    two names of one model the same code; :func:`feature_codes` tells them apart.
    """
    name = unicodedata.normalize("NFC", str(feature))
    slug = _slug(name)
    if slug and name.isascii():
        return f"RC-{slug}"
    return f"RC-{slug or 'FEATURE'}-{_hex(name, 3)}"


def feature_codes(features: Sequence[str]) -> list[str]:
    """:func:`feature_code` of every feature of one model, made unique.

    Names that fold to the same code (``debt_to_income`` and ``Debt-To-Income``) each get
    6 hex digits of a hash of the exact name appended (a name that already has them, 12);
    a remaining clash (a hash collision) gets the name's position. Codes of the other
    features are left as :func:`feature_code` gives them.
    """
    codes = [feature_code(f) for f in features]

    def longer(i: int) -> str:
        name = unicodedata.normalize("NFC", str(features[i]))
        base = f"RC-{_slug(name) or 'FEATURE'}"
        digits = 6 if codes[i] == base else 12
        return f"{base}-{_hex(name, digits // 2)}"

    return _unique(codes, longer)


def reason_code(feature: str, bin_label: str, code: str | None = None) -> str:
    """Code of one (feature, bin): the feature code plus a 6-hex-digit hash of both.

    ``code`` is the feature's code in its model (:func:`feature_codes`), default
    :func:`feature_code`.
    """
    digest = _hex(f"{feature}{SEP}{bin_label}", 3)
    return f"{code or feature_code(feature)}-{digest}"


def reason_codes_of(feature: str, labels: Sequence[str], code: str | None = None) -> list[str]:
    """:func:`reason_code` of every bin of one feature, made unique within the feature.

    Bins that share a code (a 24-bit hash collision) get 12 hex digits of a longer hash of
    the feature and label instead; two bins printed with the same label (edges equal to 6
    significant digits) are then told apart by their position in ``labels``.
    """
    prefix = code or feature_code(feature)

    def longer(i: int) -> str:
        return f"{prefix}-{_hex(f'{feature}{SEP}{labels[i]}', 6)}"

    return _unique([reason_code(feature, lab, prefix) for lab in labels], longer)


def _unique(codes: list[str], longer: Callable[[int], str]) -> list[str]:
    """``codes`` with every code held by more than one entry replaced by ``longer(i)``
    (then suffixed by position if still shared)."""
    seen: dict[str, list[int]] = {}
    for i, c in enumerate(codes):
        seen.setdefault(c, []).append(i)
    clashes = [i for group in seen.values() if len(group) > 1 for i in group]
    if not clashes:
        return codes
    out = list(codes)
    for i in clashes:
        out[i] = longer(i)
    if len(set(out)) != len(out):
        out = [f"{c}-{i}" if i in clashes else c for i, c in enumerate(out)]
    return out


def format_edge(v: float) -> str:
    """An edge as printed in bin labels (6 significant digits)."""
    return f"{v:.6g}"


def axis_labels(kind: str, edges: Sequence[float], levels: Sequence[str]) -> list[str]:
    """Human-readable label of every cell of an axis, in index order.

    Numeric: ``< e0``, ``[e0, e1)``, ..., ``>= eN``, ``missing`` (``all values`` when there
    are no edges). Categorical: the levels, ``missing``, ``unknown``.
    """
    if kind == "numeric":
        e = [format_edge(v) for v in edges]
        if not e:
            out = ["all values"]
        else:
            out = [f"< {e[0]}"]
            out += [f"[{lo}, {hi})" for lo, hi in itertools.pairwise(e)]
            out.append(f">= {e[-1]}")
        return [*out, "missing"]
    return [*levels, "missing", "unknown"]
