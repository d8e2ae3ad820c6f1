#!/usr/bin/env python3
"""Reproduce a PCD-playground run in PyTorch, or run it again at any scale.

    python reproduce.py                 # the run of this folder (run.json and its .npy files)
    python reproduce.py --check         # …and fail unless every evaluation matches the page's
    python reproduce.py --save-students out/   # each trained student as a PyTorch state_dict (.pt)
    torchrun --nproc_per_node 2 reproduce.py --data DIR --epochs 30   # your dataset, several processes

Needs PyTorch >= 1.13 and numpy; torchvision only for image folders and its students.
The losses follow the project's spec (docs/spec.md of the playground): CE, KD, DKD and PCD
with all its options (stages, temperature, alpha, the lambda weight, ranking, both passes,
logit standardisation) and its stage schedules. In the reproduction (no --data), the
student starts from the page's initial weights and sees the page's batches in the page's
order, so every evaluation should match the page's to within one test sample; PCD's from its
first near-tie at a group boundary on only as closely as float32 rounding allows (--check).
The last line printed is one JSON object: {"<run id>": final test accuracy} (with several
seeds, "<run id>@<seed>"). A detection race's bundle (run.json's "task": "detection", the
digit scenes) trains the same grid detectors on the page's batches and sampled cells and
compares each with the page's trained one, cell by cell on the test scenes (its README.txt).
"""
import argparse
import copy
import json
import math
import os
import re
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "pcd-playground-reproduction/1"
# TF.js's Adam: beta1, beta2 and its float32 epsilon (PyTorch's own default is 1e-8).
ADAM = dict(betas=(0.9, 0.999), eps=1e-7)
TARGET_MASK_OFFSET = 1000.0


# ---------------------------------------------------------------- the losses (spec: Baselines, PCD)

def standardize(z):
    """(z - mean) / (std + 1e-7) per row, the unbiased std (spec: logit standardisation)."""
    centred = z - z.mean(dim=1, keepdim=True)
    std = torch.sqrt((centred * centred).sum(dim=1, keepdim=True) / (z.shape[1] - 1))
    return centred / (std + 1e-7)


def kl_from_log_probs(lp_teacher, lp_student):
    return (lp_teacher.exp() * (lp_teacher - lp_student)).sum(dim=-1)


def ce_per_sample(zs, y):
    return -F.log_softmax(zs, dim=1).gather(1, y[:, None])[:, 0]


def kd_per_sample(zs, zt, tau, std):
    if std:
        zs, zt = standardize(zs), standardize(zt)
    return tau * tau * kl_from_log_probs(F.log_softmax(zt / tau, dim=1), F.log_softmax(zs / tau, dim=1))


def dkd_per_sample(zs, zt, y, alpha, beta, tau, std):
    """tau^2 (alpha TCKD + beta NCKD); the binary split in log space, as the page computes it."""
    one_hot = F.one_hot(y, zs.shape[1]).to(zs.dtype)

    def side(logits):
        z = (standardize(logits) if std else logits) / tau
        everything = torch.logsumexp(z, dim=1)
        without_target = z - TARGET_MASK_OFFSET * one_hot
        return ((z * one_hot).sum(dim=1) - everything,
                torch.logsumexp(without_target, dim=1) - everything,
                F.log_softmax(without_target, dim=1))

    t_target, t_rest, t_non = side(zt)
    s_target, s_rest, s_non = side(zs)
    tckd = t_target.exp() * (t_target - s_target) + t_rest.exp() * (t_rest - s_rest)
    nckd = kl_from_log_probs(t_non, s_non)
    return tau * tau * (alpha * tckd + beta * nckd)


def pcd_ranks(zs, zt, ranking):
    """spec §1: rank 0 for the largest gap |zt - zs|, ties to the lower class index; no gradient."""
    batch, classes = zs.shape
    if not ranking:
        return torch.arange(classes).expand(batch, classes)
    gap = (zt - zs).detach().abs()
    larger = (gap[:, None, :] > gap[:, :, None]).sum(dim=2)
    lower = torch.tril(torch.ones(classes, classes, dtype=torch.bool), diagonal=-1)
    equal_before = ((gap[:, None, :] == gap[:, :, None]) & lower).sum(dim=2)
    return larger + equal_before


def pcd_stage_losses(zs, zt, stages, tau, adaptive, ranking, std):
    """L_k of every stage k = 1..S (spec §2-§3): [S]."""
    if std:
        zs, zt = standardize(zs), standardize(zt)
    batch, classes = zs.shape
    ranks = pcd_ranks(zs, zt, ranking)
    masks, stage_of = [], []
    for k in range(1, stages + 1):
        groups = torch.div(ranks * k, classes, rounding_mode="floor")
        for g in range(k):
            masks.append(groups == g)
            stage_of.append(k - 1)
    mask = torch.stack(masks, dim=1)  # [B, G, C]

    def log_probs(z):
        return F.log_softmax((z / tau)[:, None, :].masked_fill(~mask, float("-inf")), dim=2)

    lp_t, lp_s = log_probs(zt), log_probs(zs)
    p, q = lp_t.exp(), lp_s.exp()
    kl = torch.where(mask, p * (lp_t - lp_s), torch.zeros_like(p)).sum(dim=2)  # [B, G]
    if adaptive:
        lam = 1 - (p * q).sum(dim=2) / torch.sqrt((p * p).sum(dim=2) * (q * q).sum(dim=2))
    else:
        lam = torch.ones_like(kl)
    group_losses = lam * kl * tau * tau
    stage_index = torch.tensor(stage_of)
    per_stage = torch.zeros(stages, dtype=zs.dtype).index_add(0, stage_index, group_losses.mean(dim=0))
    return per_stage


def training_loss(method, zs, zt, y, warm, active_stage):
    """The loss of one step (spec: the training objective)."""
    ce = ce_per_sample(zs, y).mean()
    kind = method["method"]
    if kind == "ce":
        return ce
    if kind == "kd":
        kd = kd_per_sample(zs, zt, method["temperature"], method["standardizeLogits"]).mean()
        return method["ceWeight"] * ce + method["kdWeight"] * kd
    if kind == "dkd":
        dkd = dkd_per_sample(zs, zt, y, method["alpha"], method["beta"], method["temperature"], method["standardizeLogits"]).mean()
        return method["ceWeight"] * ce + warm * dkd
    if kind == "pcd":
        stage_losses = pcd_stage_losses(zs, zt, method["stages"], method["temperature"], method["adaptive"],
                                        method["ranking"], method["standardizeLogits"])
        if active_stage is None:
            bare = stage_losses.sum() * (int(method["fineToCoarse"]) + int(method["coarseToFine"]))
        else:
            bare = 2 * stage_losses[active_stage - 1]
        return method["ceWeight"] * ce + warm * method["alpha"] * bare
    raise ValueError(f"method {kind!r}: expected ce, kd, dkd or pcd")


# ---------------------------------------------------------------- schedules (spec §5), learning rate, warm-up

def schedule_phases(schedule, stages):
    descending = list(range(stages, 0, -1))
    ascending = descending[::-1]
    kind = schedule["kind"]
    if kind == "joint":
        order = [(None, 1.0)]
    elif kind == "bidirectional":
        order = [(s, 1.0) for s in descending + ascending]
    elif kind == "fine-to-coarse":
        order = [(s, 1.0) for s in descending]
    elif kind == "coarse-to-fine":
        order = [(s, 1.0) for s in ascending]
    elif kind == "custom":
        order = [(s["stage"], float(s["share"])) for s in schedule["segments"]]
    else:
        raise ValueError(f"schedule {kind!r} is unknown")
    total = sum(share for _, share in order)
    phases, start = [], 0.0
    for i, (stage, share) in enumerate(order):
        end = 1.0 if i == len(order) - 1 else start + share / total
        phases.append((stage, end))
        start = end
    return phases


def active_stage_at(phases, step, total):
    progress = min(max(step / total, 0.0), 1.0)
    for stage, end in phases:
        if progress < end:
            return stage
    return phases[-1][0]


def learning_rate_at(config, step, total):
    base = config["optimizer"]["learningRate"]
    if config["learningRateSchedule"] == "cosine":
        return base * (1 + math.cos(math.pi * step / total)) / 2
    return base


def apply_live_change(config, runs, change):
    """A change made while the page trained (its src/train/live-change.ts): the base learning rate;
    τ of every run that has one; α of DKD and PCD."""
    if "learningRate" in change:
        config["optimizer"]["learningRate"] = change["learningRate"]
    for r in runs:
        method = r["method"]
        if "temperature" in change and "temperature" in method:
            method["temperature"] = change["temperature"]
        if "alpha" in change and method["method"] in ("dkd", "pcd"):
            method["alpha"] = change["alpha"]


def warm_at(config, step, total):
    warmup = config["warmupShare"] * total
    return 1.0 if warmup <= 0 else min(step / warmup, 1.0)


# ---------------------------------------------------------------- the student

class Flatten(nn.Module):
    """Flattens in TF.js's order (height, width, channels), so the page's weights fit."""

    def forward(self, x):
        return (x.permute(0, 2, 3, 1) if x.dim() == 4 else x).reshape(x.shape[0], -1)


def build_student(layers, input_shape):
    """The page's student from run.json's layers; `input_shape` as the page has it ([H, W, C] or [F])."""
    modules, shape = [], list(input_shape)
    if len(shape) == 3:
        shape = [shape[2], shape[0], shape[1]]  # channels first in PyTorch
    for layer in layers:
        kind = layer["kind"]
        if kind == "conv2d":
            size = layer["kernelSize"]
            modules.append(nn.Conv2d(shape[0], layer["filters"], size, padding=size // 2))
            shape = [layer["filters"], shape[1], shape[2]]
        elif kind == "maxpool2d":
            modules.append(nn.MaxPool2d(layer["poolSize"]))
            shape = [shape[0], shape[1] // layer["poolSize"], shape[2] // layer["poolSize"]]
            continue
        elif kind == "flatten":
            modules.append(Flatten())
            shape = [int(np.prod(shape))]
            continue
        elif kind == "dense":
            if len(shape) > 1:
                modules.append(Flatten())
                shape = [int(np.prod(shape))]
            modules.append(nn.Linear(shape[0], layer["units"]))
            shape = [layer["units"]]
        else:
            raise ValueError(f"layer kind {kind!r} is unknown")
        if layer.get("activation") == "relu":
            modules.append(nn.ReLU())
    return nn.Sequential(*modules)


def load_flat_weights(model, flat):
    """The page's weights (TF.js order: each layer's kernel then bias) into the PyTorch student."""
    flat = np.asarray(flat, dtype=np.float32)
    at = 0
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear):
                out_f, in_f = module.weight.shape
                kernel = flat[at:at + in_f * out_f].reshape(in_f, out_f)
                at += in_f * out_f
                module.weight.copy_(torch.from_numpy(kernel.T.copy()))
            elif isinstance(module, nn.Conv2d):
                out_c, in_c, h, w = module.weight.shape
                kernel = flat[at:at + h * w * in_c * out_c].reshape(h, w, in_c, out_c)
                at += h * w * in_c * out_c
                module.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()))
            else:
                continue
            module.bias.copy_(torch.from_numpy(flat[at:at + module.bias.numel()].copy()))
            at += module.bias.numel()
    if at != flat.size:
        raise ValueError(f"the weights hold {flat.size} numbers, the student takes {at}")
    return model


def load_student(bundle=".", run=None, seed=None, trained=True):
    """A run's student of a bundle as a PyTorch module: trained (the page's final weights) or as it started.

        from reproduce import load_student
        model = load_student("my-run", run="pcd")   # then model(x), x as [N, C, H, W] or [N, features]
    """
    manifest = read_manifest(bundle)
    seed = manifest["seeds"][0]["seed"] if seed is None else seed
    run = run or manifest["runs"][-1]["id"]
    model = build_student(manifest["student"]["layers"], manifest["dataset"]["featureShape"])
    if trained:
        entry = next((t for t in manifest["trained"] if t["run"] == run and t["seed"] == seed), None)
        if entry is None:
            raise ValueError(f"no trained weights of run {run!r}, seed {seed} in {bundle}")
        name = entry["weights"]
    else:
        name = next(s for s in manifest["seeds"] if s["seed"] == seed)["initialWeights"]
    return load_flat_weights(model, np.load(os.path.join(bundle, name)))


# ---------------------------------------------------------------- data

def read_manifest(bundle):
    path = os.path.join(bundle, "run.json")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as error:
        raise SystemExit(f"{path}: not a readable JSON file ({error})")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise SystemExit(f"{path}: format {found!r}, expected {FORMAT!r}")
    check_manifest(manifest, path)
    return manifest


# The page's own ranges (src/train/config.ts): what a bundle from a stranger may ask of this script.
MAX_STAGES = 10
RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}\.npy$")
METHOD_RANGES = {"ceWeight": (0, 1000), "kdWeight": (0, 1000), "alpha": (0, 1000), "beta": (0, 1000), "temperature": (0.1, 100)}


def check_manifest(manifest, path):
    """A bundle is input: every field this script acts on is checked, and a bad one is named (not a traceback,
    not a file written outside the folder asked for, not gigabytes of masks)."""
    def fail(where, expected, got):
        raise SystemExit(f"{path}: {where} is invalid: expected {expected}, got {json.dumps(got)[:80]}")

    def whole(where, value, low, high=None):
        if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
            fail(where, f"a whole number from {low}" + (f" to {high}" if high is not None else ""), value)

    for key in ("config", "runs", "dataset", "student", "steps", "seeds", "evaluations"):
        if key not in manifest:
            raise SystemExit(f"{path}: \"{key}\" is missing")
    classes = len(manifest["dataset"].get("classNames") or []) or None
    runs = manifest["runs"]
    if not isinstance(runs, list) or not runs:
        fail("runs", "a list of at least one run", runs)
    for i, run in enumerate(runs):
        where = f"runs[{i}]"
        if not isinstance(run, dict) or not isinstance(run.get("id"), str) or not RUN_ID.match(run["id"]):
            fail(f"{where}.id", "letters, digits, _ or - (at most 40)", run.get("id") if isinstance(run, dict) else run)
        method = run.get("method")
        if not isinstance(method, dict) or method.get("method") not in ("ce", "kd", "dkd", "pcd"):
            fail(f"{where}.method.method", "ce, kd, dkd or pcd", method)
        for key, (low, high) in METHOD_RANGES.items():
            if key in method and (not isinstance(method[key], (int, float)) or isinstance(method[key], bool)
                                  or not math.isfinite(method[key]) or not low <= method[key] <= high):
                fail(f"{where}.method.{key}", f"a number from {low} to {high}", method[key])
        if method["method"] == "pcd":
            whole(f"{where}.method.stages", method.get("stages"), 1, min(MAX_STAGES, classes or MAX_STAGES))
    seeds = manifest["seeds"]
    if not isinstance(seeds, list) or not seeds:
        fail("seeds", "a list of at least one seed (each with its initial weights and batch order)", seeds)
    for i, entry in enumerate(seeds):
        if not isinstance(entry, dict):
            fail(f"seeds[{i}]", "an object", entry)
        whole(f"seeds[{i}].seed", entry.get("seed"), 0)
    steps = manifest["steps"]
    if not isinstance(steps, dict):
        fail("steps", "an object", steps)
    for key in ("total", "batchSize", "perEpoch"):
        whole(f"steps.{key}", steps.get(key), 1, 1_000_000)
    # The steps follow from the configuration, as the runner computes them: a hand-edited count would train another run.
    config = manifest["config"]
    try:
        per_epoch = math.ceil(config["trainSubset"] / config["batchSize"])
        budget = config["budget"]["amount"] * (per_epoch if config["budget"]["unit"] == "epochs" else 1)
    except (KeyError, TypeError, ZeroDivisionError):
        fail("config", "trainSubset, batchSize and budget", config)
    if (steps["perEpoch"], steps["total"], steps["batchSize"]) != (per_epoch, budget, config["batchSize"]):
        fail("steps", f"the configuration's {per_epoch} per epoch, {budget} in all, batch {config['batchSize']}", steps)
    # Every file the bundle names is a plain name in its folder: never a path out of it.
    def names(value, where):
        if isinstance(value, dict):
            for key, inner in value.items():
                yield from names(inner, f"{where}.{key}")
        elif isinstance(value, list):
            for k, inner in enumerate(value):
                yield from names(inner, f"{where}[{k}]")
        elif isinstance(value, str) and value.endswith(".npy") and not any(c.isspace() for c in value):
            yield where, value  # a file name (a sentence that mentions one has spaces)
    for key in ("dataset", "seeds", "trained"):
        for where, name in names(manifest.get(key), key):
            if not FILE_NAME.match(name) or name.startswith("."):
                fail(where, "a .npy file name in the bundle's folder", name)


def channels_first(x):
    return x.permute(0, 3, 1, 2).contiguous() if x.dim() == 4 else x


def bundle_arrays(bundle, manifest, dtype):
    d = manifest["dataset"]

    classes = len(d["classNames"])

    def load(name):
        try:
            return np.load(os.path.join(bundle, name), allow_pickle=False)
        except (OSError, ValueError) as error:
            raise SystemExit(f"{name}: not a readable .npy file of the bundle ({error})")

    def split(which):
        part = d[which]
        x, y, t = load(part["features"]), load(part["labels"]), load(part["teacherLogits"])
        count = part.get("count", x.shape[0])
        if x.shape[0] != count or y.shape != (count,) or t.shape != (count, classes):
            raise SystemExit(f"{which}: {part['features']} {x.shape}, {part['labels']} {y.shape}, {part['teacherLogits']} {t.shape}: "
                             f"expected {count} samples, one label each and {classes} teacher logits each")
        if not np.issubdtype(y.dtype, np.integer):
            raise SystemExit(f"{part['labels']}: whole-number labels, found {y.dtype}")
        if y.min(initial=0) < 0 or y.max(initial=0) >= classes:
            raise SystemExit(f"{part['labels']}: labels from 0 to {classes - 1} (the {classes} classes), found {y.min()} … {y.max()}")
        if not np.isfinite(t).all() or not np.isfinite(x).all():
            bad = part["teacherLogits"] if not np.isfinite(t).all() else part["features"]
            raise SystemExit(f"{bad}: every value finite, found NaN or infinity")
        x = channels_first(torch.from_numpy(x).to(dtype))
        return x, torch.from_numpy(y.astype(np.int64)), torch.from_numpy(t).to(dtype)

    return split("train"), split("test")


def user_arrays(folder, dtype):
    """--data DIR: x_train.npy, y_train.npy, x_test.npy, y_test.npy and teacher_train.npy (NHWC or
    features), or an image folder DIR/train/<class>/…, DIR/test/<class>/… with teacher_train.npy
    (logits in torchvision ImageFolder order) beside them."""
    logits = os.path.join(folder, "teacher_train.npy")
    if not os.path.exists(logits):
        raise SystemExit(f"--data {folder}: no teacher_train.npy (the teacher's logits for the training samples, in order)")
    if os.path.exists(os.path.join(folder, "x_train.npy")):
        def load(name):
            return np.load(os.path.join(folder, name))
        x_train, x_test = (channels_first(torch.from_numpy(load(n)).to(dtype)) for n in ("x_train.npy", "x_test.npy"))
        y_train, y_test = (torch.from_numpy(load(n).astype(np.int64)) for n in ("y_train.npy", "y_test.npy"))
    else:
        try:
            from torchvision import datasets, transforms
        except ImportError:
            raise SystemExit("--data with an image folder needs torchvision (pip install torchvision)")

        def images(which):
            data = datasets.ImageFolder(os.path.join(folder, which), transform=transforms.ToTensor())
            xs, ys = zip(*[data[i] for i in range(len(data))])
            return torch.stack(xs).to(dtype), torch.tensor(ys)

        (x_train, y_train), (x_test, y_test) = images("train"), images("test")
    teacher = torch.from_numpy(np.load(logits)).to(dtype)
    if teacher.shape[0] != x_train.shape[0]:
        raise SystemExit(f"teacher_train.npy has {teacher.shape[0]} rows for {x_train.shape[0]} training samples")
    return (x_train, y_train, teacher), (x_test, y_test, None)


# ---------------------------------------------------------------- training

def accuracy(model, x, y, count=None):
    """Test accuracy on the first `count` samples: the module itself (not its DDP wrapper, whose forward may
    talk to the other processes), in eval mode (batch norm's running statistics), then back as it was."""
    count = x.shape[0] if count is None else count
    inner = getattr(model, "module", model)
    training = inner.training
    inner.eval()
    with torch.no_grad():
        logits = torch.cat([inner(x[i:i + 500]) for i in range(0, count, 500)])
    inner.train(training)
    return (logits.argmax(dim=1) == y[:count]).double().mean().item()


class TfjsAdam(torch.optim.Optimizer):
    """Adam as TF.js computes it, rounding for rounding: its constants are float32 scalars (beta1, beta2,
    1 - beta1 and 1 - beta2 rounded apart, epsilon 1e-7, -lr), and the bias corrections divide by
    1 - beta^t with beta^t a float32 product carried from step to step. PyTorch's Adam computes
    1 - beta2^t in float64: at step 1 TF.js's second moment is then 1.3e-5 larger, every update
    6.4e-6 smaller, and over hundreds of steps the two drift apart where the page's does not."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-7):
        super().__init__(params, dict(lr=lr))
        self.beta1, self.beta2, self.eps = betas[0], betas[1], eps
        self.acc = None

    @torch.no_grad()
    def step(self):
        params = [p for group in self.param_groups for p in group["params"] if p.grad is not None]
        if not params:
            return
        dtype = params[0].dtype

        def scalar(x):
            return torch.tensor(x, dtype=dtype)

        if self.acc is None:
            self.acc = [scalar(self.beta1), scalar(self.beta2)]
        one_minus_acc1, one_minus_acc2 = 1 - self.acc[0], 1 - self.acc[1]
        b1, b2, c1, c2 = scalar(self.beta1), scalar(self.beta2), scalar(1 - self.beta1), scalar(1 - self.beta2)
        eps = scalar(self.eps)
        for group in self.param_groups:
            minus_lr = scalar(-group["lr"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["m"], state["v"] = torch.zeros_like(p), torch.zeros_like(p)
                m = state["m"] * b1 + p.grad * c1
                v = state["v"] * b2 + p.grad.square() * c2
                state["m"], state["v"] = m, v
                p.copy_((m / one_minus_acc1) / ((v / one_minus_acc2).sqrt() + eps) * minus_lr + p)
        self.acc = [self.acc[0] * b1, self.acc[1] * b2]


def make_optimizer(config, params):
    opt = config["optimizer"]
    if opt["kind"] == "adam":
        return TfjsAdam(params, lr=opt["learningRate"], **ADAM)
    return torch.optim.SGD(params, lr=opt["learningRate"], momentum=opt["momentum"])


def boundary_tie(zs, zt, stages):
    """PCD's closest call at a group boundary in this batch: the smallest relative difference between the gaps
    |zt - zs| of the two classes ranked either side of a boundary of a stage, with its sample (spec: "Reproducing
    PCD"). Under PCD_TIE, float32 rounding of the logits decides which of the two joins which group."""
    gaps = (zt - zs).detach().abs().sort(dim=1, descending=True).values
    classes = gaps.shape[1]
    bounds = sorted({-(-g * classes // k) for k in range(2, stages + 1) for g in range(1, k)})
    if not bounds:
        return None
    closest = None
    for b in bounds:
        rel = (gaps[:, b - 1] - gaps[:, b]) / gaps[:, b - 1].clamp_min(torch.finfo(gaps.dtype).tiny)
        value, sample = rel.min(dim=0)
        if closest is None or value.item() < closest[0]:
            closest = (value.item(), int(sample), b)
    return closest


def train_step(runs, models, optimizers, config, phases, step, total, batch, ties=None):
    """Step `step` of `total` of every run on the same batch (x, labels, teacher logits): the schedule's
    learning rate, warm-up and stage at that step, one optimizer step each. `ties`, a dict: each PCD run's
    first near-tie at a group boundary, (step, relative difference, sample, boundary rank), is kept in it."""
    xb, yb, tb = batch
    warm, lr = warm_at(config, step, total), learning_rate_at(config, step, total)
    active = active_stage_at(phases, step, total)
    for r in runs:
        model, optimizer = models[r["id"]], optimizers[r["id"]]
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad()
        zs = model(xb)
        pcd = r["method"]["method"] == "pcd"
        if pcd and ties is not None and r["id"] not in ties and r["method"]["ranking"]:
            tie = boundary_tie(zs.float(), tb.float(), r["method"]["stages"])
            if tie and tie[0] < PCD_TIE:
                ties[r["id"]] = (step + 1,) + tie
        loss = training_loss(r["method"], zs, tb, yb, warm, active if pcd else None)
        loss.backward()
        optimizer.step()


# PCD's ranks at the edge of float32: two gaps closer than this (relative; 2^-20, about 8 float32 ulps) may be
# ordered either way by two correct float32 computations of the same logits (another summation order in a matrix
# product), and the class that crosses a group boundary changes the loss by a finite amount (spec: "Reproducing PCD").
PCD_TIE = 2.0 ** -20


def replay_seed(manifest, entry, arrays, dtype, run_ids, ties=None):
    """One seed of the bundle's run in PyTorch: the runs `run_ids` from the seed's initial weights on its batch order,
    the live changes at their steps. Returns {(run id, step, test count): test accuracy} at the page's evaluations
    (every epoch and the end when the bundle has none) and the trained models."""
    (x, y, teacher), (x_test, y_test, _) = arrays
    seed = entry["seed"]
    total, batch_size = manifest["steps"]["total"], manifest["steps"]["batchSize"]
    config = copy.deepcopy(manifest["config"])
    runs = [r for r in copy.deepcopy(manifest["runs"]) if r["id"] in run_ids]
    pcd = next((r["method"] for r in manifest["runs"] if r["method"]["method"] == "pcd"), None)
    phases = schedule_phases(manifest["config"]["schedule"], pcd["stages"] if pcd else 1)
    order = np.load(os.path.join(manifest["folder"], entry["order"]))
    init = np.load(os.path.join(manifest["folder"], entry["initialWeights"]))
    models = {r["id"]: load_flat_weights(build_student(manifest["student"]["layers"], manifest["dataset"]["featureShape"]), init).to(dtype)
              for r in runs}
    optimizers = {rid: make_optimizer(config, m.parameters()) for rid, m in models.items()}
    points = sorted({(e["step"], e["testCount"]) for e in manifest["evaluations"] if e["seed"] == seed})
    if not points:  # nothing measured: every epoch and the end, on the whole test split
        per_epoch = manifest["steps"]["perEpoch"]
        points = sorted({(s, x_test.shape[0]) for s in list(range(per_epoch, total, per_epoch)) + [total]})
    accuracies = {}
    for step in range(total + 1):
        for at, count in (p for p in points if p[0] == step):
            for r in runs:
                accuracies[(r["id"], at, count)] = accuracy(models[r["id"]], x_test, y_test, count)
        if step == total:
            break
        for live in manifest.get("liveChanges") or []:
            if live["fromStep"] == step:
                apply_live_change(config, runs, live["change"])
        steps_per_epoch = manifest["steps"]["perEpoch"]
        epoch, within = divmod(step, steps_per_epoch)
        idx = torch.from_numpy(order[epoch, within * batch_size:min((within + 1) * batch_size, order.shape[1])].astype(np.int64))
        train_step(runs, models, optimizers, config, phases, step, total, (x[idx], y[idx], teacher[idx]), ties)
    return accuracies, models


def reproduce(bundle, dtype, check, save_students):
    """The bundle's run: each seed's runs from its initial weights on its batch order, every evaluation printed beside
    the page's. --check: CE, KD and DKD within one test sample of the page at every evaluation; PCD too until its first
    near-tie at a group boundary, and from there within what PyTorch's own float32 and float64 differ by on it."""
    manifest = dict(read_manifest(bundle), folder=bundle)
    arrays = bundle_arrays(bundle, manifest, dtype)
    several = len(manifest["seeds"]) > 1
    pcd_runs = [r["id"] for r in manifest["runs"] if r["method"]["method"] == "pcd"]
    page = {(e["seed"], e["run"], e["step"], e["testCount"]): e["testAccuracy"] for e in manifest["evaluations"]}
    finals, apart, ties, reproduced = {}, {}, {}, {}
    for entry in manifest["seeds"]:
        seed = entry["seed"]
        for live in manifest.get("liveChanges") or []:
            if seed == manifest["seeds"][0]["seed"]:
                print(f"step {live['fromStep']}: changed live to {json.dumps(live['change'])}", flush=True)
        ties[seed] = {}
        accuracies, models = replay_seed(manifest, entry, arrays, dtype, [r["id"] for r in manifest["runs"]], ties[seed])
        for at, count in sorted({(s, c) for _, s, c in accuracies}):
            cells = []
            for r in manifest["runs"]:
                acc = accuracies[(r["id"], at, count)]
                cell = f"{r['id']} {100 * acc:.2f}%"
                mine = page.get((seed, r["id"], at, count))
                reproduced[(seed, r["id"], at, count)] = acc
                if mine is not None:
                    apart[(seed, r["id"], at, count)] = round(abs(acc - mine) * count)
                    n = apart[(seed, r["id"], at, count)]
                    cell += f" (page {100 * mine:.2f}%{', ' + str(n) + ' samples apart' if n else ''})"
                cells.append(cell)
            print(f"seed {seed} step {at} on {count} test samples: " + ", ".join(cells), flush=True)
        for run, tie in ties[seed].items():
            print(f"seed {seed}, {run}: first near-tie at a group boundary at step {tie[0]} (sample {tie[2]} of the batch, ranks "
                  f"{tie[3] - 1} and {tie[3]}, gaps {tie[1]:.1e} apart): from there float32 rounding decides a class's group", flush=True)
        x_test, y_test = arrays[1][0], arrays[1][1]
        for rid, model in models.items():
            finals[f"{rid}@{seed}" if several else rid] = accuracy(model, x_test, y_test)
        if save_students:
            os.makedirs(save_students, exist_ok=True)
            for rid, model in models.items():
                torch.save(model.state_dict(), os.path.join(save_students, f"{rid}-seed{seed}.pt"))
    if apart:
        print(f"largest difference from the page: {max(apart.values())} test sample{'s' if max(apart.values()) != 1 else ''}")
    failures = []
    for (seed, run, step, count), n in sorted(apart.items()) if check else []:
        tie = ties.get(seed, {}).get(run)
        if n > 1 and (run not in pcd_runs or tie is None or step < tie[0]):
            failures.append(f"seed {seed}, {run}, step {step}: {n} test samples from the page's (at most 1 allowed)")
    after_tie = {k: n for k, n in apart.items() if k[1] in pcd_runs and k[1] in ties.get(k[0], {}) and k[2] >= ties[k[0]][k[1]][0]}
    if check and not failures and after_tie and max(after_tie.values()) > 1:
        # The page and PyTorch are two float32 roundings of a loss that jumps when a class crosses a group boundary:
        # what two roundings of it may differ by is measured here, on this run, by PyTorch against itself.
        other = torch.float64 if dtype == torch.float32 else torch.float32
        print(f"PCD after its first near-tie: PyTorch in {str(other).split('.')[-1]} beside {str(dtype).split('.')[-1]}, "
              f"to measure what rounding alone moves it by…", flush=True)
        other_arrays = bundle_arrays(bundle, manifest, other)
        chaos = 0
        for entry in manifest["seeds"]:
            again, _ = replay_seed(manifest, entry, other_arrays, other, pcd_runs)
            for (run, step, count), acc in again.items():
                if (entry["seed"], run, step, count) in after_tie:
                    chaos = max(chaos, round(abs(acc - reproduced[(entry["seed"], run, step, count)]) * count))
        worst = max(after_tie.values())
        print(f"PCD after its first near-tie: the page is up to {worst} test samples from PyTorch; PyTorch's float32 and "
              f"float64 differ by up to {chaos} on the same run (allowed: {max(1, chaos)})", flush=True)
        if worst > max(1, chaos):
            failures.append(f"PCD is {worst} test samples from the page's after its first near-tie, more than PyTorch's "
                            f"own float32 and float64 differ by ({chaos})")
    print(json.dumps(finals))
    if failures:
        raise SystemExit("--check: " + failures[0] + (f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""))


# ---------------------------------------------------------------- detection (the digit scenes)

# Smooth-L1's beta on the boxes, as torchvision's Faster R-CNN box head has it (spec: Detection).
BOX_BETA = 1 / 9
# --check of a detection race: the share of test cells whose class may differ from the page's detector's, and
# how far its logits may be, as the mean |difference| over the mean |logit| of the page's detector.
DETECTION_CELL_TOLERANCE = 0.005
DETECTION_LOGIT_TOLERANCE = 0.02


def detection_outputs(model, images, chunk=250):
    """Every cell's K + 1 logits and 4 box values, rows scene by scene and cell by cell (row-major on the grid),
    `chunk` scenes at a time."""
    out = torch.cat([model(images[i:i + chunk]) for i in range(0, images.shape[0], chunk)]).permute(0, 2, 3, 1)
    rows = out.reshape(-1, out.shape[-1])
    return rows[:, :-4], rows[:, -4:]


def box_loss(boxes, targets, sampled):
    """Smooth-L1 (beta 1/9) over the positive cells' box values, summed, over the number of sampled cells."""
    diff = (boxes - targets).abs()
    per_value = torch.where(diff < BOX_BETA, 0.5 * diff * diff / BOX_BETA, diff - 0.5 * BOX_BETA)
    return per_value.sum() / sampled


def reproduce_detection(bundle, manifest, dtype, check, save_students):
    """A detection race: each seed's detectors from the page's initial weights on the page's batches and
    sampled cells; then each against the page's trained detector, cell by cell on the test scenes."""
    d = manifest["dataset"]
    background = d["grid"]["background"]

    def load(name):
        return np.load(os.path.join(bundle, name))

    images = torch.from_numpy(load(d["train"]["images"])).to(dtype)[:, None] / 255
    classes = torch.from_numpy(load(d["train"]["cellClasses"]).astype(np.int64)).reshape(-1)
    box_targets = torch.from_numpy(load(d["train"]["cellBoxes"])).to(dtype).reshape(-1, 4)
    teacher = torch.from_numpy(load(d["train"]["teacherCells"])).to(dtype)
    width = teacher.shape[-1]
    teacher = teacher.reshape(-1, width)
    test_images = torch.from_numpy(load(d["test"]["images"])).to(dtype)[:, None] / 255
    cells = d["grid"]["cells"]
    total = manifest["steps"]["total"]
    config = manifest["config"]
    layers, shape = manifest["student"]["layers"], d["imageShape"]
    finals, worst, worst_logits = {}, 0.0, 0.0
    for entry in manifest["seeds"]:
        seed = entry["seed"]
        runs = copy.deepcopy(manifest["runs"])
        batches, rows, offsets = load(entry["batches"]), load(entry["cells"]), load(entry["cellOffsets"])
        init = load(entry["initialWeights"])
        models = {r["id"]: load_flat_weights(build_student(layers, shape), init).to(dtype) for r in runs}
        optimizers = {rid: make_optimizer(config, m.parameters()) for rid, m in models.items()}
        for step in range(total):
            scenes = torch.from_numpy(batches[step][batches[step] >= 0].astype(np.int64))
            sampled = torch.from_numpy(rows[offsets[step]:offsets[step + 1]].astype(np.int64))
            # A sampled row is a cell of the batch: scene (row // cells) of the batch, cell (row % cells).
            global_rows = scenes[sampled // cells] * cells + sampled % cells
            labels = classes[global_rows]
            positive = labels != background
            warm, lr = warm_at(config, step, total), learning_rate_at(config, step, total)
            for r in runs:
                model, optimizer = models[r["id"]], optimizers[r["id"]]
                for group in optimizer.param_groups:
                    group["lr"] = lr
                optimizer.zero_grad()
                logits, boxes = detection_outputs(model, images[scenes])
                zs = logits[sampled]
                loss = training_loss(r["method"], zs, teacher[global_rows], labels, warm, None)
                loss = loss + box_loss(boxes[sampled][positive], box_targets[global_rows][positive], len(sampled))
                loss.backward()
                optimizer.step()
        for r in runs:
            key = f"{r['id']}@{seed}" if len(manifest["seeds"]) > 1 else r["id"]
            page = next((t for t in manifest["trained"] if t["run"] == r["id"] and t["seed"] == seed), None)
            with torch.no_grad():
                ours, _ = detection_outputs(models[r["id"]], test_images)
                line = f"seed {seed} {r['id']}: trained {total} steps"
                if page is not None:
                    theirs, _ = detection_outputs(load_flat_weights(build_student(layers, shape), load(page["weights"])).to(dtype), test_images)
                    differ = (ours.argmax(dim=1) != theirs.argmax(dim=1)).double().mean().item()
                    apart = ((ours - theirs).abs().mean() / theirs.abs().mean()).item()
                    worst = max(worst, differ)
                    worst_logits = max(worst_logits, apart)
                    line += (f"; {100 * differ:.3f}% of the {ours.shape[0]} test cells take another class than the page's"
                             f" detector's; logits {100 * apart:.3f}% apart (mean |difference| over mean |logit|)")
                    finals[key] = {"cellsDiffer": differ, "logitsApart": apart}
            print(line, flush=True)
        if save_students:
            os.makedirs(save_students, exist_ok=True)
            for rid, model in models.items():
                torch.save(model.state_dict(), os.path.join(save_students, f"{rid}-seed{seed}.pt"))
    print(json.dumps(finals))
    if check and (worst > DETECTION_CELL_TOLERANCE or worst_logits > DETECTION_LOGIT_TOLERANCE):
        raise SystemExit(f"--check: {100 * worst:.3f}% of the test cells take another class than the page's detector's, its logits "
                         f"{100 * worst_logits:.3f}% apart (at most {100 * DETECTION_CELL_TOLERANCE:.1f}% and "
                         f"{100 * DETECTION_LOGIT_TOLERANCE:.0f}% allowed)")


def train_at_scale(bundle, args, dtype):
    """--data: the bundle's runs and losses on a dataset of one's own, any student, one or many processes."""
    manifest = read_manifest(bundle)
    config, runs = manifest["config"], manifest["runs"]
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    if manifest.get("liveChanges") and int(os.environ.get("RANK", "0")) == 0:
        print("note: the page's run was changed live (" + ", ".join(f"step {c['fromStep']}: {json.dumps(c['change'])}" for c in manifest["liveChanges"])
              + "); --data trains with the settings it started with", flush=True)
    device = torch.device("cpu")
    if distributed:
        import torch.distributed as dist
        backend = "nccl" if torch.cuda.is_available() and not args.gloo else "gloo"
        dist.init_process_group(backend)
        rank, world = dist.get_rank(), dist.get_world_size()
        if backend == "nccl":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
    else:
        rank, world = 0, 1
        if torch.cuda.is_available() and not args.cpu:
            device = torch.device("cuda")
    (x, y, teacher), (x_test, y_test, _) = user_arrays(args.data, dtype)
    classes = int(max(y.max().item(), y_test.max().item()) + 1)
    if teacher.shape[1] != classes:
        raise SystemExit(f"teacher_train.npy has {teacher.shape[1]} columns for {classes} classes")
    torch.manual_seed(args.seed)

    def student():
        if args.student.startswith("torchvision:"):
            import torchvision
            return getattr(torchvision.models, args.student.split(":", 1)[1])(num_classes=classes)
        layers = [dict(l) for l in manifest["student"]["layers"]]
        layers[-1]["units"] = classes
        shape = list(x.shape[1:])
        return build_student(layers, [shape[1], shape[2], shape[0]] if len(shape) == 3 else shape)

    epochs, batch_size = args.epochs, args.batch_size or config["batchSize"]
    # Each process takes every world-th sample of one shared permutation per epoch (DistributedSampler's way).
    per_rank = math.ceil(x.shape[0] / world)
    steps_per_epoch = math.ceil(per_rank / batch_size)
    total = epochs * steps_per_epoch
    lr_config = dict(config, optimizer=dict(config["optimizer"], learningRate=args.lr or config["optimizer"]["learningRate"]))
    pcd = next((r["method"] for r in runs if r["method"]["method"] == "pcd"), None)
    phases = schedule_phases(config["schedule"], pcd["stages"] if pcd else 1)
    models, optimizers = {}, {}
    for r in runs:
        torch.manual_seed(args.seed)  # the same initial weights for every run: a fair race
        model = student().to(device=device, dtype=dtype)
        if distributed:
            model = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
        models[r["id"]] = model
        optimizers[r["id"]] = make_optimizer(lr_config, model.parameters())
    generator = torch.Generator().manual_seed(args.seed)
    for epoch in range(epochs):
        permutation = torch.randperm(x.shape[0], generator=generator)
        mine = permutation[rank::world]
        mine = torch.cat([mine, permutation[:per_rank - mine.shape[0]]])  # equal shares (padded), as DistributedSampler
        for within in range(steps_per_epoch):
            step = epoch * steps_per_epoch + within
            idx = mine[within * batch_size:(within + 1) * batch_size]
            # Under DDP, backward averages the processes' gradients: the global batch mean.
            train_step(runs, models, optimizers, lr_config, phases, step, total, (x[idx].to(device), y[idx].to(device), teacher[idx].to(device)))
        if rank == 0:
            accs = {r["id"]: accuracy(models[r["id"]], x_test.to(device), y_test.to(device)) for r in runs}
            print(f"epoch {epoch + 1}/{epochs} ({world} process{'es' if world > 1 else ''}): "
                  + ", ".join(f"{k} {100 * v:.2f}%" for k, v in accs.items()), flush=True)
    if rank == 0:
        finals = {r["id"]: accuracy(models[r["id"]], x_test.to(device), y_test.to(device)) for r in runs}
        if args.save_students:
            os.makedirs(args.save_students, exist_ok=True)
            for rid, model in models.items():
                inner = model.module if distributed else model
                torch.save(inner.state_dict(), os.path.join(args.save_students, f"{rid}.pt"))
        print(json.dumps(finals))
    if distributed:
        torch.distributed.destroy_process_group()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle", nargs="?", default=os.path.dirname(os.path.abspath(__file__)),
                        help="the folder with run.json (default: this script's folder)")
    parser.add_argument("--float64", action="store_true", help="train in float64 (the page trains in float32)")
    parser.add_argument("--check", action="store_true", help="exit 1 when an evaluation is more than one test sample from the page's; PCD after its first "
                        "near-tie at a group boundary: more than PyTorch's own float32 and float64 differ by on it "
                        "(a detection race: more than 0.5%% of the test cells in another class, or logits 2%% apart)")
    parser.add_argument("--save-students", metavar="DIR", help="write each trained student's state_dict as DIR/<run>-seed<seed>.pt")
    parser.add_argument("--data", metavar="DIR", help="train the bundle's runs on this dataset instead (see user_arrays)")
    parser.add_argument("--student", default="bundle", help="with --data: 'bundle' (the page's student, resized) or torchvision:NAME")
    parser.add_argument("--epochs", type=int, default=10, help="with --data: epochs")
    parser.add_argument("--batch-size", type=int, default=0, help="with --data: samples per process and step (default: the bundle's)")
    parser.add_argument("--lr", type=float, default=0, help="with --data: learning rate (default: the bundle's)")
    parser.add_argument("--seed", type=int, default=1, help="with --data: the seed of the initial weights and the batch order")
    parser.add_argument("--gloo", action="store_true", help="with torchrun: the gloo backend even where CUDA is there")
    parser.add_argument("--cpu", action="store_true", help="with --data: stay on the CPU")
    args = parser.parse_args(argv)
    dtype = torch.float64 if args.float64 else torch.float32
    if args.data:
        train_at_scale(args.bundle, args, dtype)
    elif read_manifest(args.bundle).get("task") == "detection":
        reproduce_detection(args.bundle, read_manifest(args.bundle), dtype, args.check, args.save_students)
    else:
        reproduce(args.bundle, dtype, args.check, args.save_students)


if __name__ == "__main__":
    sys.exit(main())
