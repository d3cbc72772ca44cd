"""Module 06's grid detector (``torch_ref.detector``) trained on synthetic scenes, timed, with its mAP@0.5.

Reported, not asserted.  Target (issue 13): mAP@0.5 >= 0.8 within 90 s of training on 2 cores on
the task the lecture uses; the 10-class figure is reported too. Prints, per label set: the
parameters, the training's wall and CPU seconds, the final loss, mAP@0.5 (all-point and COCO's
101 points) and the class-agnostic AP@0.5 on held-out test scenes (items never seen in training),
and the load average (a busy machine is slower).

Run: .venv/bin/python benchmarks/detector.py [--labels super fashion] [--steps 300] [--train 4000] [--test 500]
"""

import argparse
import os
import time

from cnncourse.helpers import runtime

THREADS = runtime.configure_threads()  # before torch is imported

import numpy as np  # noqa: E402
import torch  # noqa: E402

from cnncourse.ref.metrics import mean_average_precision  # noqa: E402
from cnncourse.scenes import class_names, make_scenes  # noqa: E402
from cnncourse.torch_ref import detector  # noqa: E402


def loadavg():
    return f"{os.getloadavg()[0]:.2f}"


def run(labels, steps, n_train, n_test, batch_size, seed):
    images, targets = make_scenes(n_train, labels=labels, seed=seed)
    test_images, test_targets = make_scenes(n_test, labels=labels, split="test", seed=seed + 1)
    cpu = time.process_time()
    model, info = detector.train_detector(images, targets, len(class_names(labels)), steps=steps,
                                          batch_size=batch_size, seed=seed, progress=False)
    cpu = time.process_time() - cpu
    dets = detector.detect(model, test_images)
    m_all, per_class = mean_average_precision(dets, test_targets)
    m_101, _ = mean_average_precision(dets, test_targets, interpolation="101")
    agnostic, _ = mean_average_precision([{**d, "labels": np.zeros_like(d["labels"])} for d in dets],
                                         [{**t, "labels": np.zeros_like(t["labels"])} for t in test_targets])
    params = sum(p.numel() for p in model.parameters())
    print(f"{labels:8s} {params:,} params, {steps} steps x {batch_size}: {info['seconds']:.1f} s wall, "
          f"{cpu:.1f} CPU-s, final loss {np.mean(info['losses'][-20:]):.3f}; mAP@0.5 {m_all:.3f} "
          f"(101 points {m_101:.3f}), class-agnostic AP@0.5 {agnostic:.3f}; load {loadavg()}")
    names = class_names(labels)
    print("          per class: " + ", ".join(f"{names[c]} {ap:.2f}" for c, ap in per_class.items()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", nargs="+", default=["super", "fashion"])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--train", type=int, default=4000)
    parser.add_argument("--test", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"threads {torch.get_num_threads()} ({THREADS}), load {loadavg()}")
    for labels in args.labels:
        run(labels, args.steps, args.train, args.test, args.batch_size, args.seed)


if __name__ == "__main__":
    main()
