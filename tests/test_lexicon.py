def test_an_entry_with_a_letter_that_folds_to_two_matches_both_spellings():
    """ "ß" folds to "ss", but a text holding one is folded letter by letter (so spans
    stay put): an entry matches the text whichever way either was written."""
    from replydesk.domain.text import fold, fold_aligned
    from replydesk.languages.lexicon import Lexicon

    lex = Lexicon("t")
    lex.add("straße", "street")
    lex.add("grüße*", "greeting")
    lex.freeze()
    for text in ("Die Straße ist gesperrt", "die strasse ist gesperrt", "Viele Grüße"):
        folded = fold_aligned(text)
        assert len(folded) == len(text)
        found = lex.scan(folded)[0]
        assert found.get("street") or found.get("greeting"), (text, folded, fold(text))
