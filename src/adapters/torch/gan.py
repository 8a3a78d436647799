"""The sequence GAN of the research track: a conditional recurrent generator and a convolutional
critic trained as a Wasserstein GAN with gradient penalty (WGAN-GP), and its files.

- Generator: a GRU reads, at every bar, fresh noise, one noise vector held for the whole path
  (a slow "market mood" that lets volatility persist) and an embedding of the condition (the
  volatility regime); a linear head gives the three standardized per-minute series. A GRU runs
  for any length, so paths longer than the training windows can be drawn.
- Critic: dilated 1-d convolutions over the series, their absolute returns (so the size of moves,
  not only their sign, is in view) and the running sum of returns (drift), with the condition as
  extra channels; the mean over time gives one score, whatever the length.

Deterministic on CPU: weights after ``torch.manual_seed(seed)``, batches from a numpy Generator
of the same seed, sampling noise from a torch Generator seeded per call.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from adapters.common.atomic_file import atomic_write
from application.research.gan_ports import (
    Float32Array,
    GanEpoch,
    GanObserver,
    GanPlan,
    GanTrainer,
    GeneratorFiles,
    IntArray,
    SequenceGenerator,
)

CONDITION_DIM = 4
SAMPLE_BATCH = 1024


class GanDiverged(RuntimeError):
    """A loss became NaN or infinite: nothing is kept."""


class Generator(nn.Module):
    def __init__(self, noise: int, hidden: int, features: int, conditions: int) -> None:
        super().__init__()
        self.noise = noise
        self.condition = nn.Embedding(conditions, CONDITION_DIM)
        self.rnn = nn.GRU(2 * noise + CONDITION_DIM, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, features)

    def forward(self, step_noise: torch.Tensor, path_noise: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        length = step_noise.shape[1]
        held = torch.cat([path_noise, self.condition(condition)], dim=1).unsqueeze(1).expand(-1, length, -1)
        out, _ = self.rnn(torch.cat([step_noise, held], dim=2))
        result: torch.Tensor = self.head(out)
        return result


class Critic(nn.Module):
    def __init__(self, hidden: int, features: int, conditions: int) -> None:
        super().__init__()
        self.condition = nn.Embedding(conditions, CONDITION_DIM)
        channels = features + 2 + CONDITION_DIM
        layers: list[nn.Module] = []
        for dilation in (1, 2, 4, 8):
            layers += [nn.Conv1d(channels, hidden, 3, padding=dilation, dilation=dilation), nn.LeakyReLU(0.2)]
            channels = hidden
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
        held = self.condition(condition).unsqueeze(2).expand(-1, -1, x.shape[1])
        # the running sum of returns lets the critic see drift that a local convolution cannot
        drift = torch.cumsum(x[:, :, :1], dim=1) / x.shape[1] ** 0.5
        inputs = torch.cat([x.transpose(1, 2), x[:, :, :1].abs().transpose(1, 2), drift.transpose(1, 2), held], dim=1)
        score: torch.Tensor = self.head(self.body(inputs).mean(dim=2)).squeeze(-1)
        return score


def build_generator(params: Mapping[str, Any], conditions: int) -> Generator:
    try:
        return Generator(int(params["noise"]), int(params["hidden"]), int(params["features"]), conditions)
    except KeyError as exc:
        raise ValueError(f"generator params lack {exc.args[0]}") from None


class TorchSequenceGenerator(SequenceGenerator):
    def __init__(self, network: Generator) -> None:
        self.network = network

    def sample(self, conditions: IntArray, length: int, seed: int) -> Float32Array:
        draw = torch.Generator().manual_seed(seed)
        self.network.eval()
        parts = []
        with torch.no_grad():
            for start in range(0, len(conditions), SAMPLE_BATCH):
                cond = torch.as_tensor(np.asarray(conditions[start:start + SAMPLE_BATCH]), dtype=torch.long)
                step = torch.randn(len(cond), length, self.network.noise, generator=draw)
                held = torch.randn(len(cond), self.network.noise, generator=draw)
                parts.append(self.network(step, held, cond).numpy())
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros((0, length, 3), np.float32)


class TorchGanTrainer(GanTrainer):
    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads

    def fit(self, windows: Float32Array, conditions: IntArray, plan: GanPlan,
            observer: GanObserver) -> tuple[SequenceGenerator, list[GanEpoch]]:
        if self._threads:
            torch.set_num_threads(self._threads)
        torch.manual_seed(plan.seed)
        p = plan.params
        generator = build_generator(p, plan.conditions)
        critic = Critic(int(p["hidden"]), int(p["features"]), plan.conditions)
        loop = _Loop(generator, critic, p, np.random.default_rng(plan.seed))
        history = loop.run(torch.from_numpy(np.ascontiguousarray(windows)), torch.from_numpy(conditions), observer)
        return TorchSequenceGenerator(generator), history


class _Loop:
    def __init__(self, generator: Generator, critic: Critic, params: Mapping[str, Any],
                 rng: np.random.Generator) -> None:
        self.g, self.d, self.rng = generator, critic, rng
        self.epochs, self.batch = int(params["epochs"]), int(params["batch"])
        self.critic_steps, self.penalty = int(params["critic_steps"]), float(params["gradient_penalty"])
        lr = float(params["lr"])
        self.g_opt = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.5, 0.9))
        self.d_opt = torch.optim.Adam(critic.parameters(), lr=lr, betas=(0.5, 0.9))

    def run(self, windows: torch.Tensor, conditions: torch.Tensor, observer: GanObserver) -> list[GanEpoch]:
        history = []
        for epoch in range(1, self.epochs + 1):
            started = time.perf_counter()
            observer.epoch_started(epoch, self.epochs)
            order = torch.from_numpy(self.rng.permutation(len(windows)))
            d_losses, g_losses = [], []
            starts = range(0, len(order), self.batch)
            for number, start in enumerate(starts):
                rows = order[start:start + self.batch]
                d_losses.append(self._critic_step(windows[rows], conditions[rows]))
                # every critic_steps-th batch, and the last one: each epoch moves the generator
                if number % self.critic_steps == self.critic_steps - 1 or number == len(starts) - 1:
                    g_losses.append(self._generator_step(conditions[rows], windows.shape[1]))
            record = GanEpoch(epoch, float(np.mean(d_losses)), float(np.mean(g_losses)) if g_losses else math.nan,
                              time.perf_counter() - started)
            if not math.isfinite(record.critic_loss) or (g_losses and not math.isfinite(record.generator_loss)):
                raise GanDiverged(f"epoch {epoch}: a loss became non-finite; lower --lr")
            history.append(record)
            observer.epoch_done(record)
        return history

    def _fake(self, condition: torch.Tensor, length: int) -> torch.Tensor:
        step = torch.randn(len(condition), length, self.g.noise)
        held = torch.randn(len(condition), self.g.noise)
        fake: torch.Tensor = self.g(step, held, condition)
        return fake

    def _critic_step(self, real: torch.Tensor, condition: torch.Tensor) -> float:
        with torch.no_grad():
            fake = self._fake(condition, real.shape[1])
        mix = torch.rand(len(real), 1, 1)
        between = (mix * real + (1 - mix) * fake).requires_grad_(True)
        grads = torch.autograd.grad(self.d(between, condition).sum(), between, create_graph=True)[0]
        penalty = ((grads.flatten(1).norm(dim=1) - 1) ** 2).mean()
        loss = self.d(fake, condition).mean() - self.d(real, condition).mean() + self.penalty * penalty
        self.d_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.d_opt.step()
        return float(loss.item())

    def _generator_step(self, condition: torch.Tensor, length: int) -> float:
        loss = -self.d(self._fake(condition, length), condition).mean()
        self.g_opt.zero_grad(set_to_none=True)
        loss.backward()
        self.g_opt.step()
        return float(loss.item())


class GeneratorFileError(ValueError):
    """A generator file is missing, unreadable or does not match its card; the message names it."""


class TorchGeneratorFiles(GeneratorFiles):
    """``<folder>/<version>.pt`` (the state dict) beside ``<version>.json`` (the card); the version
    is ``gan-`` and the first 12 hex digits of the weights' sha256, so it names their content."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def save(self, card: Mapping[str, Any], generator: SequenceGenerator) -> dict[str, Any]:
        if not isinstance(generator, TorchSequenceGenerator):
            raise TypeError(f"TorchGeneratorFiles saves TorchSequenceGenerator, got {type(generator).__name__}")
        buffer = io.BytesIO()
        torch.save({k: v.detach().cpu() for k, v in generator.network.state_dict().items()}, buffer)
        weights = buffer.getvalue()
        digest = hashlib.sha256(weights).hexdigest()
        written = {**card, "version": f"gan-{digest[:12]}", "weights_sha256": digest,
                   "conditions": generator.network.condition.num_embeddings}
        self.folder.mkdir(parents=True, exist_ok=True)
        payload = (json.dumps(written, indent=2, sort_keys=True, allow_nan=False) + "\n").encode()
        atomic_write(self.folder / f"{written['version']}.pt", lambda handle: handle.write(weights))
        atomic_write(self.folder / f"{written['version']}.json", lambda handle: handle.write(payload))
        return written

    def load(self, path: str) -> tuple[dict[str, Any], SequenceGenerator]:
        card_path = Path(path).with_suffix(".json")
        try:
            card: dict[str, Any] = json.loads(card_path.read_text())
            weights = card_path.with_suffix(".pt").read_bytes()
        except FileNotFoundError as exc:
            raise GeneratorFileError(f"{exc.filename}: no such generator file") from None
        except (OSError, json.JSONDecodeError) as exc:
            raise GeneratorFileError(f"{card_path}: unreadable generator ({exc})") from exc
        if hashlib.sha256(weights).hexdigest() != card.get("weights_sha256"):
            raise GeneratorFileError(f"{card_path.with_suffix('.pt')}: weights do not match the card's sha256")
        try:
            network = build_generator(card["params"], int(card["conditions"]))
            network.load_state_dict(torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True))
        except (RuntimeError, ValueError, KeyError) as exc:
            raise GeneratorFileError(f"{card_path}: weights do not fit the card ({exc})") from exc
        return card, TorchSequenceGenerator(network)
