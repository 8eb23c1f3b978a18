"""The syllable trigram LM: tokenization, split, build on a toy corpus, queries."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from vnrestore.build import lm as build_lm
from vnrestore.build.corpus import is_heldout, iter_documents
from vnrestore.lm import BASE_TOKENS, BOS_ID, EOS_ID, UNK_ID, LanguageModel, lm_tokens

FIXTURE = Path(__file__).parent / "fixtures" / "lm_corpus.jsonl.gz"


def _build(out: Path, *extra: str) -> LanguageModel:
    # Unpruned unless the test says otherwise (the defaults are the committed model's).
    args = ["--corpora", str(FIXTURE), "--out", str(out), "--no-cache", "--workers", "1",
            "--min-count", "1", "--legal-weight", "1", "--prune2", "1", "--prune3", "1",
            "--keep-all", "", "--dev", *extra]
    assert build_lm.main(args) == 0
    return LanguageModel.load(out)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> LanguageModel:
    """Unpruned, in the plain storage form (uint64 keys, float16)."""
    return _build(tmp_path_factory.mktemp("lm"), "--prune2", "1", "--prune3", "1",
                  "--keys", "u64", "--quant", "f16")


@pytest.fixture(scope="module")
def compact(tmp_path_factory) -> LanguageModel:
    """The same model as ``model``, stored compactly: uint32 keys, 8-bit codebooks."""
    return _build(tmp_path_factory.mktemp("lm_compact"), "--prune2", "1", "--prune3", "1",
                  "--keys", "u32", "--quant", "q8")


@pytest.fixture(scope="module")
def pruned(tmp_path_factory) -> LanguageModel:
    return _build(tmp_path_factory.mktemp("lm_pruned"), "--prune2", "2", "--prune3", "2",
                  "--keys", "u64", "--quant", "f16")


def _dist(m: LanguageModel, u: str, v: str) -> np.ndarray:
    w = np.arange(m.vocab_size)
    return np.exp(m.logprob(m.id(u), m.id(v), w))


# ---------------------------------------------------------------- tokenization


def test_lm_tokens_numbers_punctuation_and_tones() -> None:
    assert lm_tokens("Hoà bình, năm 2024: 15%!") == [
        ["hòa", "bình", ",", "năm", "<num>", ":", "<num>", "%", "!"]]
    assert lm_tokens("Thuỷ lợi (huyện)") == [["thủy", "lợi", "(", "huyện", ")"]]


def test_lm_tokens_unknown_words_and_dropped_symbols() -> None:
    assert lm_tokens("Internet @ Wi-Fi") == [["<unk>", "<unk>", "-", "<unk>"]]
    assert lm_tokens("a = b … c") == [["a", "<unk>", "<unk>"]]


def test_lm_tokens_lines_are_sentences_and_nfd_is_normalized() -> None:
    nfd = unicodedata.normalize("NFD", "Người dân\n\n  \nỦy ban")
    assert lm_tokens(nfd) == [["người", "dân"], ["ủy", "ban"]]
    assert lm_tokens("") == []


# ---------------------------------------------------------------- split and corpus


def test_heldout_split_is_deterministic_and_five_percent() -> None:
    ids = [f"doc-{i}" for i in range(20000)]
    first = [is_heldout("news", i) for i in ids]
    assert first == [is_heldout("news", i) for i in ids]
    assert 0.04 < sum(first) / len(ids) < 0.06
    assert is_heldout("news", "tin-18") and not is_heldout("news", "tin-01")
    # The source is part of the key: the same id may fall differently elsewhere.
    assert [is_heldout("wiki", i) for i in ids] != first


def test_iter_documents_filters_split_and_source() -> None:
    held = list(iter_documents(FIXTURE, heldout=True))
    assert [(s, i) for s, i, _ in held] == [("news", "tin-18")]
    train = list(iter_documents(FIXTURE, sources=["legal"]))
    assert len(train) == 3 and {s for s, _, _ in train} == {"legal"}
    assert len(list(iter_documents(FIXTURE, heldout=None))) == 11


# ---------------------------------------------------------------- built model


def test_files_vocab_and_meta(model: LanguageModel) -> None:
    d = model.directory
    vocab = (d / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert vocab[: len(BASE_TOKENS)] == list(BASE_TOKENS)
    assert model.vocab_size == len(vocab) < 65536
    assert model.id("<unk>") == UNK_ID and model.id("không-có") == UNK_ID
    assert model.ids(["<s>", "</s>", "huyện", "zzz"]).tolist() == [BOS_ID, EOS_ID,
                                                                   model.id("huyện"), 0]
    assert model.ids(["huyện"]).dtype == np.int64
    keys = np.load(d / "lm3_keys.npy", mmap_mode="r")
    assert keys.dtype == np.uint64 and np.all(np.diff(keys.astype(np.int64)) > 0)
    meta = json.loads((d / "lm_meta.json").read_text(encoding="utf-8"))
    assert meta["order"] == 3 and meta["vocab_size"] == model.vocab_size
    assert meta["heldout"]["news"]["tokens"] > 0
    assert "## Language model" in (d / "README.md").read_text(encoding="utf-8")


def test_readme_section_is_replaced_in_place(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# x\n\n## Language model\nold\n\n## Lexicons\nkeep\n", encoding="utf-8")
    build_lm.update_readme(readme, "## Language model\nnew\n")
    assert readme.read_text(encoding="utf-8") == (
        "# x\n\n## Language model\nnew\n\n## Lexicons\nkeep\n")
    build_lm.update_readme(tmp_path / "NEW.md", "## Language model\nnew\n")
    assert (tmp_path / "NEW.md").read_text(encoding="utf-8").endswith("## Language model\nnew\n")


def test_heldout_documents_are_never_counted(model: LanguageModel) -> None:
    assert model.id("mèo") == UNK_ID and model.count("mèo") == 0
    assert model.count("huyện") >= 5 and model.count("zzz") == 0


@pytest.mark.parametrize("ctx", [("<s>", "<s>"), ("<s>", "điều"), ("nhân", "dân"),
                                 ("ủy", "ban"), ("lúa", "ủy"), ("<unk>", "<unk>"),
                                 ("</s>", ".")])
def test_each_context_sums_to_one(model: LanguageModel, pruned: LanguageModel,
                                  compact: LanguageModel, ctx) -> None:
    for m in (model, pruned, compact):
        assert _dist(m, *ctx).sum() == pytest.approx(1.0, abs=5e-3)


def test_begin_of_sentence_is_never_predicted(model: LanguageModel) -> None:
    assert _dist(model, "nhân", "dân")[BOS_ID] < 1e-30


def test_seen_trigram_beats_unseen(model: LanguageModel) -> None:
    lp = model.logprob(model.id("ủy"), model.id("ban"),
                       model.ids(["nhân", "lúa", "gạo", "<unk>"]))
    assert lp[0] > max(lp[1:]) and lp[0] > np.log(0.3)


def test_backoff_to_bigram_and_unigram(model: LanguageModel) -> None:
    # Unseen contexts ("lúa ủy", "gạo ủy") both back off to the bigram "ủy ban".
    a, b = model.logprob(model.ids(["lúa", "gạo"]), model.id("ủy"), model.id("ban"))
    assert a == pytest.approx(b) and a > np.log(0.3)
    # Unseen bigram too: the unigram level still gives every token some probability.
    lp = model.logprob(model.id("gạo"), model.id("sông"), model.ids(["huyện", "mùa"]))
    assert np.all(np.isfinite(lp)) and np.all(lp < 0) and lp[0] > lp[1]


def test_logprob_broadcasts(model: LanguageModel) -> None:
    w = model.ids(["nhân", "dân", "huyện"])
    grid = model.logprob(model.ids(["ủy", "<s>"])[:, None], model.id("ban"), w[None, :])
    assert grid.shape == (2, 3)
    assert grid[0, 0] == pytest.approx(float(model.logprob([model.id("ủy")],
                                                           [model.id("ban")], [w[0]])[0]))


def test_context_weight_is_zero_exactly_without_stored_trigrams(
        model: LanguageModel, pruned: LanguageModel, compact: LanguageModel) -> None:
    # The decoder skips the trigram lookups of contexts whose bow2 is 0.
    for m in (model, pruned, compact):
        size = np.uint64(m.vocab_size)
        keys2 = m.keys(2)
        has = np.isin(keys2, m.keys(3) // size)
        bow = m.context(keys2 // size, keys2 % size)
        assert has.any() and (~has).any()
        assert np.all((bow != 0) == has)


def test_backoff_parts_compose_logprob(model: LanguageModel) -> None:
    rng = np.random.default_rng(0)
    size = np.uint64(model.vocab_size)
    stored = model.keys(3)[:500]
    u, v, w = (np.concatenate([rng.integers(0, model.vocab_size, 2000), x.astype(np.int64)])
               for x in (stored // size // size, stored // size % size, stored % size))
    hit, p3 = model.trigram(u, v, w)
    assert hit[2000:].all()
    parts = model.context(u, v) + model.bigram(v, w)
    parts[hit] = p3
    assert np.array_equal(parts, model.logprob(u, v, w))


def test_compact_storage_matches_the_plain_model(model: LanguageModel,
                                                compact: LanguageModel) -> None:
    d = compact.directory
    assert np.load(d / "lm3_keys.npy", mmap_mode="r").dtype == np.uint32
    assert np.load(d / "lm2_keys.npy", mmap_mode="r").dtype == np.uint32
    assert np.load(d / "lm3_logp.npy", mmap_mode="r").dtype == np.uint8
    assert (d / "lm3_logp_codebook.npy").exists()
    # a toy vocabulary's trigram keys fit 32 bits: no buckets (tested on their own below)
    assert (d / "lm3_buckets.npy").exists() == (compact.vocab_size**3 > 1 << 32)
    # the same n-grams, found by the same keys
    for order in (2, 3):
        assert np.array_equal(compact.keys(order), model.keys(order))
    rng = np.random.default_rng(1)
    size = np.uint64(model.vocab_size)
    stored = model.keys(3)
    u, v, w = (np.concatenate([rng.integers(0, model.vocab_size, 3000), x.astype(np.int64)])
               for x in (stored // size // size, stored // size % size, stored % size))
    assert np.array_equal(model.trigram(u, v, w)[0], compact.trigram(u, v, w)[0])
    # 8-bit codes: each value within a bin's width of the float16 one
    assert np.abs(model.logprob(u, v, w) - compact.logprob(u, v, w)).max() < 0.25
    assert np.array_equal(model.context(u, v) != 0, compact.context(u, v) != 0)


def test_bucketed_keys_find_every_key_and_nothing_else() -> None:
    from vnrestore.lm import _Keys

    rng = np.random.default_rng(2)
    size = 7000
    full = np.unique(rng.integers(0, size**3, 50_000, dtype=np.int64).astype(np.uint64))
    packed = build_lm.narrow_keys(full, size, 3, "t")
    table = _Keys(packed["t_keys"], packed["t_buckets"])
    assert np.array_equal(table.full(), full)
    # absent keys, among them keys sharing the low half of a stored one
    absent = np.concatenate([full[:500] ^ np.uint64(1 << 33), full[:500] + np.uint64(1)])
    absent = np.setdiff1d(absent[absent < np.uint64(size**3)], full)
    query = rng.permutation(np.concatenate([full, absent]))  # unsorted on purpose
    hit, pos = table.find(query)
    assert np.array_equal(hit, np.isin(query, full))
    assert np.array_equal(table.full()[pos[hit]], query[hit])
    assert not table.find(np.array([size**3 + 5], dtype=np.uint64))[0].any()


def test_quantize_keeps_reserved_values_exact() -> None:
    values = np.concatenate([np.zeros(10), np.linspace(-3, 2, 5000), [1e-12]])
    codes, deq, book = build_lm.quantize(values, "q8", reserved=(0.0,))
    assert codes.dtype == np.uint8 and book is not None and book[0] == 0.0
    assert np.all(codes[:10] == 0) and np.all(codes[10:] != 0) and np.all(deq[10:] != 0)
    assert np.abs(deq - values).max() < 5 / 255
    f16, deq16, none = build_lm.quantize(np.array([0.0, 1e-9, -1.5]), "f16", reserved=(0.0,))
    assert none is None and f16[0] == 0 and f16[1] != 0 and deq16[2] == -1.5


def test_sentence_logprob_prefers_real_order(model: LanguageModel) -> None:
    good = "ủy ban nhân dân huyện ban hành kế hoạch".split()
    assert model.sentence_logprob(good) > model.sentence_logprob(good[::-1])
    assert model.sentence_logprob([]) < 0


def test_pruning_shrinks_the_model(model: LanguageModel, pruned: LanguageModel) -> None:
    assert len(pruned.keys(3)) < len(model.keys(3))
    assert len(pruned.keys(2)) < len(model.keys(2))


def test_import_loads_no_data() -> None:
    code = ("import sys, vnrestore.lm as m; "
            "assert m.get_model.cache_info().currsize == 0; "
            "assert 'underthesea' not in sys.modules and 'vnrestore.build' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_keep_all_sources_and_unk_pruning(tmp_path: Path, pruned: LanguageModel) -> None:
    keep = _build(tmp_path / "keep", "--prune2", "2", "--prune3", "2", "--keys", "u64",
                  "--quant", "f16", "--keep-all", "legal")
    # every trigram of the legal documents is kept, the other singletons are not
    u, v, w = (keep.id(t) for t in ("văn", "thư", "của"))
    assert keep.trigram([u], [v], [w])[0][0] and not pruned.trigram([u], [v], [w])[0][0]
    assert len(pruned.keys(3)) < len(keep.keys(3))
    meta = json.loads((keep.directory / "lm_meta.json").read_text(encoding="utf-8"))
    assert meta["thresholds"]["keep_all"] == ["legal"]
    # --prune-unk: singleton trigrams holding <unk> go, the others stay
    full = _build(tmp_path / "full", "--prune2", "1", "--prune3", "1", "--prune-unk", "1")
    no_unk = _build(tmp_path / "nounk", "--prune2", "1", "--prune3", "1", "--prune-unk", "2")
    size = np.uint64(full.vocab_size)

    def has_unk(keys: np.ndarray) -> np.ndarray:
        return (keys // size // size == UNK_ID) | (keys // size % size == UNK_ID) \
            | (keys % size == UNK_ID)

    k_full, k_cut = full.keys(3), no_unk.keys(3)
    assert has_unk(k_full).any() and not has_unk(k_cut).any()  # toy: every one is a singleton
    assert np.array_equal(k_full[~has_unk(k_full)], k_cut)


def test_extra_text_source(tmp_path: Path) -> None:
    text = tmp_path / "extra.txt"
    text.write_text("con mèo trắng ngủ .\ncon mèo trắng chạy .\ncon mèo trắng ăn .\n",
                    encoding="utf-8")
    m = _build(tmp_path / "extra", "--extra-text", f"ud={text}", "--weight", "ud=3")
    assert m.id("mèo") != UNK_ID and m.count("mèo") == 3  # raw counts, not weighted
    meta = json.loads((m.directory / "lm_meta.json").read_text(encoding="utf-8"))
    assert meta["weights"]["ud"] == 3 and meta["extra_text"] == {"ud": str(text)}
    assert "ud" not in meta["heldout"]  # all of it is training text
