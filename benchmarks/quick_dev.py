import sys, time
sys.path.insert(0, str(__import__('pathlib').Path(__file__).parent))
from datasets import make_sets
from vnrestore.pipeline import get_restorer
from vnrestore.evaluate import score_lines
r = get_restorer()
words = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
only = sys.argv[2].split(',') if len(sys.argv) > 2 else None
for name, (inp, gold) in make_sets(words).items():
    if only and name not in only: continue
    text = inp.read_text(encoding='utf-8')
    t = time.time(); res = r.restore(text); dt = time.time() - t
    open(f'/tmp/out-{name}.txt', 'w').write(res.text)
    s = score_lines(gold.read_text(encoding='utf-8').split('\n'), res.text.split('\n'))
    print(f"{name:16s} word_acc {s.word_acc:.4f} words {s.words} {len(text.split())/dt:.0f} w/s drop={res.params.drop:.3f}")
