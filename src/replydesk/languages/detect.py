"""The language of a review whose source does not say, by py3langid (model bundled).

Detection is limited to the workspace's languages when there are several: a short
complaint is easier to place among six candidates than among ninety-seven. Text too short
to judge gets no language rather than a guess.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

MIN_CONFIDENCE = 0.5
_lock = threading.Lock()


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    known = set(ident.nb_classes)
    usable = [lang for lang in languages if lang in known]
    if len(usable) >= 2:
        ident.set_languages(usable)
    return ident


def detect(text: str, languages: tuple[str, ...] = ()) -> str:
    """ISO 639-1 code, or "" when the text says too little."""
    letters = sum(ch.isalpha() for ch in text)
    if letters < 3:
        return ""
    with _lock:
        lang, confidence = _identifier(tuple(languages)).classify(text)
    return lang if confidence >= MIN_CONFIDENCE else ""
