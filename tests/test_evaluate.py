"""`vnrestore eval` agrees with the project metric in ../shared/tools/score.py."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vnrestore.evaluate import score_files, score_lines

SCORE = Path(__file__).resolve().parents[1].parent / "shared" / "tools" / "score.py"


def test_perfect_and_broken():
    s = score_lines(["Hòa bình, năm 2024."], ["Hoà bình, năm 2024."])
    assert s.word_acc == 1.0  # tone placement style is not an error
    s = score_lines(["Tăng cường công tác"], ["Tang cuong cong tác"], ["Tang cuong cong tac"])
    assert s.word_acc == 0.25 and s.fixed == 1 and s.broken == 0 and s.changed_wrong == 0


def test_line_counts_must_match():
    with pytest.raises(ValueError):
        score_lines(["a", "b"], ["a"])


@pytest.mark.skipif(not SCORE.exists(), reason="../shared/tools/score.py not present")
def test_agrees_with_shared_score(tmp_path):
    gold = tmp_path / "gold.txt"
    hyp = tmp_path / "hyp.txt"
    gold.write_text("Kết luận số 57-KL/TW của Bộ Chính trị\nĐộc lập - Tự do - Hạnh phúc\n"
                    "Hòa bình và thủy lợi\n", encoding="utf-8")
    hyp.write_text("Kết luận s6 57-KL/TW ciia B Chính trị\nĐộc lập - Tự do - Hanh phuc\n"
                   "Hoà bình và thuỷ lợi\n", encoding="utf-8")
    out = subprocess.run([sys.executable, str(SCORE), str(gold), str(hyp), "--json"],
                         capture_output=True, text=True, check=True)
    theirs = json.loads(out.stdout)
    ours = score_files(str(gold), str(hyp))
    assert ours.word_acc == pytest.approx(theirs["word_acc"])
    assert ours.cer == pytest.approx(theirs["cer"])
    assert ours.wer == pytest.approx(theirs["wer"])
