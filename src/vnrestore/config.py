"""Every knob that shapes a restoration, in one frozen object with the evidence behind it.

``RestoreConfig()`` is what vnrestore runs with.  Tuning scripts (benchmarks/tune.py,
benchmarks/quick_dev.py) build variants with ``dataclasses.replace`` and pass them to
``restore(text, config=...)``; no module constant changes behaviour.  Resource limits
(cache sizes, decoding chunk sizes) are not here: they never change the output.

"Dev sets" below are the ones of benchmarks/quick_dev.py and tune.py: held-out documents
the benchmark's test sets never use (legal, news, wiki, marks stripped), the Thường Xuân
seed, and synthetic scans of other held-out documents (eng moderate, vie clean/heavy).
"""

from __future__ import annotations

from dataclasses import dataclass

SOURCES = ("auto", "vie-ocr")


@dataclass(frozen=True)
class RestoreConfig:
    # --- candidates (candidates.py) ----------------------------------------------------
    #: Readings kept per token after pruning.  Dev: 6 / 8 lost 1.5 / 0.4 points on the
    #: seed, 10 lost 0.2 on synthetic eng-OCR.
    max_candidates: int = 12
    #: Beyond this many nats worse than the best reading a candidate is not decoded.
    channel_beam: float = 7.0
    #: Weight of the unigram frequency when ranking candidates for pruning (not decoding).
    prune_freq_weight: float = 0.4
    #: Below this estimated garble rate a document's letters are taken as read: only marks
    #: may be missing, so no fuzzy matching of words or names (identical dev results,
    #: several times faster on clean and mark-stripped text).
    clean_garble: float = 0.02
    #: Spelling cost (nats per character) of keeping a non-Vietnamese token as it is, and
    #: its extra per unit of garble rate (in noisy text an odd string is likelier garbled
    #: than foreign).
    unk_per_char: float = 1.0
    unk_per_char_noisy: float = 3.0
    #: Flat spelling cost of an all-capital non-syllable (UBND, QLNN).
    unk_abbreviation: float = 1.0
    #: Extra cost, per unit of drop rate, of keeping a word spelled like a syllable minus
    #: its marks ("Thiep"): far likelier that syllable stripped than a foreign word.
    known_skeleton_unk: float = 4.0
    #: A short number between words may be a misread word ("13" = là) only in a document
    #: garbled at least this much, and such a reading costs this many nats more.
    number_garble_min: float = 0.05
    number_reading_cost: float = 2.0
    #: Hand-written confusions at most this costly are looked up as alternative readings.
    hand_reading_max_cost: float = 1.6

    # --- phrases (phrases.py) ------------------------------------------------------------
    #: Support (nats) a matching gazetteer name gives each of its syllables, and a user's
    #: own term (--lexicon), which should win ties.
    name_bonus: float = 2.0
    user_bonus: float = 4.0
    #: Character edits allowed when a run of words is matched to a name or term.
    fuzzy_phrase: int = 2
    #: Bonus (nats) for consecutive syllables forming a word or term of the lexicons.
    #: Chosen with lm_weight by tune.py (0.7 / 1.0 / 1.5 tried).
    pair_bonus: float = 1.0

    # --- channel (channel.py) ------------------------------------------------------------
    #: Weight of the hand-written costs mixed into the learned ones: real scans are not
    #: the synthetic ones, so what the training data never showed keeps some probability.
    hand_weight: float = 0.05
    #: An observed character seen fewer times in the training scans keeps its
    #: hand-written confusions ("þ" for Đ, rare symbols such as € or ¥).
    min_evidence: int = 30
    #: Learned readings at most this costly drive the candidate lookup.
    reading_max_cost: float = 3.0
    #: Shares in clean Vietnamese prose (corpus samples): unmarked syllables 0.08-0.22,
    #: unexplained lowercase tokens 0.015-0.02.  The per-document estimate is the excess
    #: over these.
    clean_plain_share: float = 0.15
    clean_odd_share: float = 0.02
    #: Pseudo-count toward "clean" in the estimate, so a short line is not over-corrected.
    estimate_prior: int = 5
    #: Garble rate per unit of excess odd-token share.
    garble_scale: float = 3.0
    #: Garble floor for Tesseract-vie text without a learned table (dev: 60% fewer word
    #: errors at 0.01, while correct text would lose ~0.1% of its words).
    vie_ocr_garble: float = 0.01
    #: With a table, the floor is this times its training scans' garbled share: twice it
    #: fixed more words of degraded dev pages (91.7% -> 92.5%) while clean dev pages stayed
    #: above plain Tesseract (99.67% against 99.60%).
    vie_share_scale: float = 2.0

    # --- decoder (decode.py) -------------------------------------------------------------
    #: Weight of the language model against the channel, per source (each channel table
    #: has its own scale).  tune.py on the seed and synthetic dev scans; for Tesseract-vie
    #: text 1.5 fixed more words of degraded pages but changed correct words of clean ones.
    lm_weight_auto: float = 0.6
    lm_weight_vie_ocr: float = 1.0
    #: Before the trigram search, keep per position the candidates whose bigram
    #: max-marginal is within keep_margin nats of the best, at least keep_min and at most
    #: keep_max.  Dev: a margin of 5 gave exactly the words of 8, ~1.7x faster; 4 lost 0.1%
    #: on the OCR set; a cap of 6 lost 0.1% on the seed.
    keep_min: int = 2
    keep_max: int = 8
    keep_margin: float = 5.0
    #: The token as read is kept within this margin even past keep_max: names and
    #: foreign words are what a bigram misjudges most.
    identity_margin: float = 8.0

    # --- paragraphs (pipeline.py) --------------------------------------------------------
    #: A paragraph (decoded as one sentence of context) ends at a blank line, after this
    #: many lines, or after about this many words at a sentence end, so the decoder's
    #: work per paragraph stays bounded.
    paragraph_lines: int = 40
    paragraph_words: int = 150

    # --- reporting -----------------------------------------------------------------------
    #: A change whose confidence is below this is uncertain (--mark-uncertain, --diff's
    #: "?", the summary's count).
    uncertain_below: float = 0.6

    def lm_weight(self, source: str) -> float:
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        return self.lm_weight_vie_ocr if source == "vie-ocr" else self.lm_weight_auto


DEFAULT = RestoreConfig()
