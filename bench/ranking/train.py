#!/usr/bin/env python3
"""Fits the law search's ranking weights to labelled questions.

Input: the JSON lines `gongdao laws eval --features FILE` writes, one per question:
its id (the set is the part before the first '-', e.g. `stard`, `local`), the feature
names, each candidate's features in ranking order, and which candidates answer it.

The model is linear, a candidate's score the weighted sum of its features, fitted
listwise: for each question, the softmax over its candidates should put its weight on
the answers (questions whose answer is not among the candidates teach nothing and are
left out of fitting, but count as misses in the figures). Before the weights for
all questions are printed, five-fold cross-validation by question reports what the
fitted ranking does on questions it was not fitted to, per set: the figure that
predicts held-out questions of the same kind.

Usage: python3 bench/ranking/train.py FEATURES.jsonl [--table meaning|words]
Prints the TOML table for data/laws/lexicon.toml. Needs numpy.
"""

import argparse
import json

import numpy as np

L2 = 1e-3
EPOCHS = 300
RATE = 0.05
FOLDS = 5


def load(path):
    questions = []
    names = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            names = d["names"]
            x = np.array(d["features"], dtype=np.float64).reshape(-1, len(names))
            y = np.array(d["answers"], dtype=np.float64)
            questions.append((d["id"].split("-")[0], x, y))
    return names, questions


def fit(questions):
    xs = np.vstack([x for _, x, _ in questions])
    mean, sd = xs.mean(0), xs.std(0)
    sd[sd < 1e-6] = np.inf  # a feature that never varies gets no weight
    usable = [((x - mean) / sd, y) for _, x, y in questions if y.sum() > 0]
    w = np.zeros(xs.shape[1])
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, EPOCHS + 1):
        grad = np.zeros_like(w)
        for x, y in usable:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            target = p * y / (p * y).sum()
            grad += x.T @ (p - target)
        grad = grad / len(usable) + L2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        w -= RATE * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w / sd  # on the features as they are; the mean only shifts every score alike


def first_answer(weights, x, y):
    order = np.argsort(-(x @ weights), kind="stable")
    return next((k + 1 for k, j in enumerate(order) if y[j] > 0), None)


def figures(ranks):
    n = len(ranks)
    hit = [sum(1 for r in ranks if r and r <= k) / n for k in (1, 5, 10)]
    mrr = sum(1 / r for r in ranks if r and r <= 10) / n
    return "hit@1 %.3f  hit@5 %.3f  hit@10 %.3f  MRR@10 %.3f" % (*hit, mrr)


def report(title, questions, ranks):
    for name in sorted({s for s, _, _ in questions}):
        mine = [r for (s, _, _), r in zip(questions, ranks) if s == name]
        print(f"# {title:<24} {name:<6} ({len(mine):>3} questions): {figures(mine)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("features")
    parser.add_argument("--table", default="meaning", choices=["meaning", "words"])
    args = parser.parse_args()
    names, questions = load(args.features)

    # The file lists each question's candidates in the order the search ranked them.
    ranked = [next((k + 1 for k, a in enumerate(y) if a > 0), None) for _, _, y in questions]
    report("as ranked in the file", questions, ranked)

    fold = np.random.default_rng(42).permutation(len(questions)) % FOLDS
    ranks = [None] * len(questions)
    for f in range(FOLDS):
        weights = fit([q for q, k in zip(questions, fold) if k != f])
        for i in np.flatnonzero(fold == f):
            _, x, y = questions[i]
            ranks[i] = first_answer(weights, x, y)
    report(f"{FOLDS}-fold cross-validated", questions, ranks)

    weights = fit(questions)
    report("fitted to all (in-sample)", questions, [first_answer(weights, x, y) for _, x, y in questions])
    print(f"[ranking.{args.table}]")
    for name, w in zip(names, weights):
        if w != 0:
            print(f"{name} = {w:.4g}")


if __name__ == "__main__":
    main()
