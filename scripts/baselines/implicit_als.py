"""Baseline for `npm run eval:recs -- --dataset csv`: the `implicit` library's ALS on the very
split the TypeScript evaluation wrote, scored with the same Recall@20 / NDCG@20 definitions.

Usage: python3 scripts/baselines/implicit_als.py <split_dir>
  split_dir/train.csv  user,item,weight   (weight = summed event weight, as our engines see it)
  split_dir/test.csv   user,item          (held-out items, none of them in the user's train rows)
Prints one JSON object. Tries a few (factors, alpha) settings and reports the best by NDCG@20,
which flatters the baseline: our engines get no such test-set tuning.
"""
import json
import math
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import scipy.sparse as sp
from implicit.als import AlternatingLeastSquares

K = 20


def read(path, with_weight):
    rows = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    users, items = rows[:, 0].astype(np.int32), rows[:, 1].astype(np.int32)
    return users, items, (rows[:, 2].astype(np.float32) if with_weight else None)


def metrics(model, train, test_sets):
    recall = ndcg = 0.0
    users = np.array(sorted(test_sets), dtype=np.int32)
    ids, _ = model.recommend(users, train[users], N=K, filter_already_liked_items=True)
    for u, recs in zip(users, ids):
        relevant = test_sets[u]
        hits = [1 if int(i) in relevant else 0 for i in recs[:K]]
        recall += sum(hits) / min(K, len(relevant))
        ideal = sum(1 / math.log2(r + 2) for r in range(min(K, len(relevant))))
        ndcg += sum(h / math.log2(r + 2) for r, h in enumerate(hits)) / ideal
    return recall / len(users), ndcg / len(users)


def main(split_dir):
    tu, ti, tw = read(os.path.join(split_dir, "train.csv"), True)
    su, si, _ = read(os.path.join(split_dir, "test.csv"), False)
    n_users = int(max(tu.max(), su.max())) + 1
    n_items = int(max(ti.max(), si.max())) + 1
    weights = sp.csr_matrix((tw, (tu, ti)), shape=(n_users, n_items))
    test_sets = {}
    for u, i in zip(su, si):
        test_sets.setdefault(int(u), set()).add(int(i))
    best = None
    for factors in (32, 64, 128):
        for alpha in (1.0, 10.0):
            started = time.time()
            model = AlternatingLeastSquares(factors=factors, regularization=0.05, iterations=15, alpha=alpha, random_state=7)
            model.fit(weights, show_progress=False)
            recall, ndcg = metrics(model, weights, test_sets)
            run = {"factors": factors, "alpha": alpha, "recall20": recall, "ndcg20": ndcg, "train_s": time.time() - started}
            if best is None or ndcg > best["ndcg20"]:
                best = run
    print(json.dumps(best))


if __name__ == "__main__":
    main(sys.argv[1])
