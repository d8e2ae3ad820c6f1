#!/usr/bin/env python3
"""PyTorch's side of `npm run bench`: the same student, batch and methods, one CPU thread.

Started by scripts/lib/pytorch-bench.ts, which talks to it one JSON line at a time on
stdin and stdout, so the two sides can be timed alternately in one run:

    {"setup": {"layers": [...], "featureShape": [28, 28, 1], "classes": 10, "batchSize": 64,
               "config": {...}, "runs": [{"id": "kd", "method": {...}}, ...]}}
      -> {"ready": true, "parameters": N}
    {"time": ["kd"], "steps": 9}       (one or several run ids: one step of each in turn)
      -> {"ms": [median-free samples, one per step]}

The student is built and trained by reproduce.py's own functions (build_student,
make_optimizer, train_step: the losses of the spec, the optimizer with TF.js's epsilon),
so the step timed is the step a reproduction runs. The batch is random numbers of the
page's shapes (a dense step's time does not depend on the values).
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "reproduce"))
import reproduce  # noqa: E402  (the reproduction's student, losses and step)

torch.set_num_threads(1)


def setup(spec):
    generator = torch.Generator().manual_seed(1)
    shape = spec["featureShape"]
    batch = spec["batchSize"]
    x = torch.rand([batch] + list(shape), generator=generator)
    x = reproduce.channels_first(x)
    y = torch.randint(0, spec["classes"], (batch,), generator=generator)
    teacher = 3 * torch.randn(batch, spec["classes"], generator=generator)
    config, runs = spec["config"], spec["runs"]
    models = {r["id"]: reproduce.build_student(spec["layers"], shape) for r in runs}
    optimizers = {rid: reproduce.make_optimizer(config, m.parameters()) for rid, m in models.items()}
    pcd = next((r["method"] for r in runs if r["method"]["method"] == "pcd"), None)
    phases = reproduce.schedule_phases(config["schedule"], pcd["stages"] if pcd else 1)
    return dict(x=x, y=y, teacher=teacher, config=config, runs=runs, models=models, optimizers=optimizers, phases=phases,
                parameters=sum(p.numel() for p in next(iter(models.values())).parameters()))


def time_steps(state, ids, steps):
    runs = [r for r in state["runs"] if r["id"] in ids]
    total = 10 ** 6  # far from the schedule's ends: the middle of a long run
    samples = []
    for i in range(steps):
        started = time.perf_counter()
        reproduce.train_step(runs, state["models"], state["optimizers"], state["config"], state["phases"], total // 2 + i, total,
                             (state["x"], state["y"], state["teacher"]))
        samples.append(1000 * (time.perf_counter() - started))
    return samples


def main():
    state = None
    for line in sys.stdin:
        request = json.loads(line)
        if "setup" in request:
            state = setup(request["setup"])
            answer = {"ready": True, "parameters": state["parameters"], "threads": torch.get_num_threads(), "torch": torch.__version__}
        else:
            answer = {"ms": time_steps(state, request["time"], request["steps"])}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
