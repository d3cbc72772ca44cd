"""PyTorch's CPU thread settings on the course's real workloads, idle and under load.

Times 30 training batches (batch 128, AdamW, as lecture 04 trains) of the course CNN
(``torch_ref.training.build_cnn``) and of the dense network (``build_dense``) on the shipped
Fashion-MNIST subset, for every combination of

* intra-op threads: 1 or 2 (``runtime.configure_threads(n)``),
* ``OMP_WAIT_POLICY``: unset (OpenMP's default: waiting threads spin for a while) or ``PASSIVE``
  (waiting threads sleep),
* load: ``--load 0`` (whatever else runs on the machine) or ``--load N`` (N extra busy-loop
  processes for the whole run; N = the core count is a laptop whose other programs use it all).

Every run is a fresh subprocess (OpenMP reads ``OMP_WAIT_POLICY`` when torch is first imported),
configurations interleaved round-robin so all see the same background; the table gives the
median wall time over ``--repeats`` runs and the CPU time those runs burned (a spinning thread
burns CPU without doing work).  The machine's background load (``/proc/loadavg``) is printed
with each block: on a shared machine "idle" is not idle.

Reported, not asserted.  The choice made from these figures is ``runtime.DEFAULT_THREADS`` /
``runtime.WAIT_POLICY``; the issue's figures (issue 11, busy machine): 30 batches 25.7 s with
2 threads (default policy) vs 1.6 s with 1 thread.

Run: .venv/bin/python benchmarks/threads.py [--load 0 2] [--repeats 5] [--batches 30] [--json out.json]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

POLICIES = ("unset", "PASSIVE")
WORKLOADS = ("cnn", "dense")


def loadavg():
    """The 1-minute load average (runnable processes, averaged), or None off Linux."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except OSError:
        return None


def cores():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


# ------------------------------------------------------------------ child: one configuration, one run

def child(threads, workloads, batches, batch_size):
    """Time ``batches`` training batches of each workload; print one JSON line."""
    import torch  # first, so the wait policy is exactly what the parent put in the environment

    from cnncourse.helpers import runtime
    from cnncourse.helpers import training as helpers
    from cnncourse.torch_ref import training

    set_to = runtime.configure_threads(threads)
    dataset = helpers.fashion_mnist_dataset("train", subset=True)
    builders = {"cnn": training.build_cnn, "dense": training.build_dense}
    result = {"threads": set_to, "policy": os.environ.get("OMP_WAIT_POLICY", "unset"), "times": {}}
    for name in workloads:
        torch.manual_seed(0)
        model = builders[name]()
        optimizer = torch.optim.AdamW(model.parameters(), lr=0.01, weight_decay=1e-4)
        loss_fn = torch.nn.CrossEntropyLoss()
        model.train()
        batches_seen = 0
        loader = helpers.make_loader(dataset, batch_size, shuffle=True, seed=0)
        warmup = 2
        for x, y in loader:  # the first batches allocate and pick kernels: not timed
            if batches_seen == warmup:
                wall, cpu = time.perf_counter(), time.process_time()
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
            batches_seen += 1
            if batches_seen == warmup + batches:
                break
        if batches_seen < warmup + batches:
            raise SystemExit(f"--batches must be at most {len(loader) - warmup} with batch {batch_size} on the "
                             f"{len(dataset):,}-image subset; got {batches}.")
        result["times"][name] = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
    print(json.dumps(result))


def run_child(threads, policy, workloads, batches, batch_size):
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "CNNCOURSE_THREADS")}
    if policy != "unset":
        env["OMP_WAIT_POLICY"] = policy
    cmd = [sys.executable, __file__, "--child", str(threads), "--workloads", *workloads,
           "--batches", str(batches), "--batch-size", str(batch_size)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"the run with {threads} thread(s), OMP_WAIT_POLICY={policy} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ parent: the grid

def start_load(n):
    """N busy-loop processes (plain Python, normal priority), as other programs on a laptop."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def stop_load(procs):
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait()


def measure(load, args):
    configs = [(t, p) for t in args.threads for p in args.policies]
    runs = {c: [] for c in configs}
    loads = [loadavg()]
    procs = start_load(load)
    try:
        time.sleep(1.0 if load else 0.0)
        for _ in range(args.repeats):
            for threads, policy in configs:
                runs[(threads, policy)].append(run_child(threads, policy, args.workloads, args.batches,
                                                         args.batch_size))
                loads.append(loadavg())
    finally:
        stop_load(procs)
    rows = []
    for (threads, policy), found in runs.items():
        for name in args.workloads:
            walls = [r["times"][name]["wall"] for r in found]
            cpus = [r["times"][name]["cpu"] for r in found]
            rows.append({"load": load, "workload": name, "threads": threads, "threads_set": found[0]["threads"],
                         "policy": policy, "wall_median": statistics.median(walls), "wall_min": min(walls),
                         "wall_max": max(walls), "cpu_median": statistics.median(cpus), "walls": walls})
    known = [x for x in loads if x is not None]
    background = {"loadavg_min": min(known), "loadavg_median": statistics.median(known),
                  "loadavg_max": max(known)} if known else {}
    return {"load": load, "background": background, "rows": rows}


def print_block(block, args):
    bg = block["background"]
    where = (f"/proc/loadavg 1-min during the block: {bg['loadavg_min']:.2f}–{bg['loadavg_max']:.2f} "
             f"(median {bg['loadavg_median']:.2f}, including this benchmark's own processes)" if bg else "")
    print(f"\n--load {block['load']} ({block['load']} extra busy-loop process(es) on {cores()} core(s)); {where}")
    print(f"  {'workload':<8}{'threads':>8}  {'OMP_WAIT_POLICY':<16}{'median s':>9}{'min–max s':>14}"
          f"{'CPU s':>8}{'vs 1/PASSIVE':>14}")
    base = {r["workload"]: r["wall_median"] for r in block["rows"] if r["threads"] == 1 and r["policy"] == "PASSIVE"}
    for r in sorted(block["rows"], key=lambda r: (WORKLOADS.index(r["workload"]), r["threads"],
                                                  POLICIES.index(r["policy"]))):
        ratio = f"{r['wall_median'] / base[r['workload']]:.2f}x" if r["workload"] in base else ""
        spread = f"{r['wall_min']:.2f}–{r['wall_max']:.2f}"
        print(f"  {r['workload']:<8}{r['threads']:>8}  {r['policy']:<16}{r['wall_median']:>9.2f}{spread:>14}"
              f"{r['cpu_median']:>8.2f}{ratio:>14}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=int, nargs="+", default=[0],
                        help="extra busy-loop processes during a block; several values measure several blocks")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--policies", nargs="+", default=list(POLICIES), choices=POLICIES)
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=WORKLOADS)
    parser.add_argument("--repeats", type=int, default=5, help="fresh subprocesses per configuration (median)")
    parser.add_argument("--batches", type=int, default=30, help="timed training batches per workload")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON ('-' for stdout)")
    parser.add_argument("--child", type=int, metavar="THREADS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        return child(args.child, args.workloads, args.batches, args.batch_size)
    for name in ("repeats", "batches", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer; got {getattr(args, name)}.")
    if any(n < 1 for n in args.threads) or any(n < 0 for n in args.load):
        parser.error(f"--threads must be positive and --load non-negative; got {args.threads} and {args.load}.")

    from cnncourse.helpers import runtime

    print(f"{args.batches} training batches of {args.batch_size} (AdamW) on the Fashion-MNIST subset, "
          f"median of {args.repeats} fresh processes; {cores()} core(s); course default: "
          f"{runtime.DEFAULT_THREADS} thread(s), OMP_WAIT_POLICY={runtime.WAIT_POLICY}")
    blocks = []
    for load in args.load:
        blocks.append(measure(load, args))
        print_block(blocks[-1], args)
    if args.json:
        text = json.dumps({"cores": cores(), "batches": args.batches, "batch_size": args.batch_size,
                           "repeats": args.repeats, "blocks": blocks}, indent=1)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w") as f:
                f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
