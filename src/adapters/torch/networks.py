"""The two networks, rebuilt from a card's params alone (``build_network``).

- ``LstmDirection``: one coin's window of bars through an LSTM; the last hidden state gives the
  logit of P(up) over the horizon.
- ``TrendTransformer``: across coins. A learned embedding of the pair is the first token (it
  also carries the summary the heads read), followed by the window's bars projected to the model
  width, with learned positions; a Transformer encoder lets every bar attend to every other. Two
  heads: trend strength in [-1, 1] (tanh, trained against label_efficiency) and the logit of P(up).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from domain.models.cards import ModelKind

UP, TREND = "up", "trend"


class LstmDirection(nn.Module):
    def __init__(self, n_features: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, num_layers=layers, batch_first=True,
                            dropout=dropout if layers > 1 else 0.0)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor, pair: torch.Tensor) -> dict[str, torch.Tensor]:
        out, _ = self.lstm(x)
        return {UP: self.head(out[:, -1]).squeeze(-1)}


class TrendTransformer(nn.Module):
    def __init__(self, n_features: int, n_pairs: int, window: int, hidden: int, layers: int, heads: int,
                 dropout: float) -> None:
        super().__init__()
        self.project = nn.Linear(n_features, hidden)
        self.pair = nn.Embedding(n_pairs, hidden)
        self.position = nn.Parameter(torch.randn(1, window + 1, hidden) * 0.02)
        layer = nn.TransformerEncoderLayer(hidden, heads, dim_feedforward=2 * hidden, dropout=dropout,
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(hidden)
        self.trend = nn.Linear(hidden, 1)
        self.up = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor, pair: torch.Tensor) -> dict[str, torch.Tensor]:
        tokens = torch.cat([self.pair(pair).unsqueeze(1), self.project(x)], dim=1) + self.position
        summary = self.norm(self.encoder(tokens))[:, 0]
        return {UP: self.up(summary).squeeze(-1), TREND: torch.tanh(self.trend(summary).squeeze(-1))}


def build_network(kind: ModelKind, params: Mapping[str, Any]) -> nn.Module:
    """ValueError naming the parameter when the params cannot make the network."""
    try:
        features, hidden, layers = int(params["n_features"]), int(params["hidden"]), int(params["layers"])
        dropout = float(params.get("dropout", 0.0))
        if min(features, hidden, layers) < 1 or not 0 <= dropout < 1:
            raise ValueError(f"n_features, hidden and layers must be >= 1 and dropout in [0, 1), got {dict(params)}")
        if kind is ModelKind.LSTM:
            return LstmDirection(features, hidden, layers, dropout)
        heads = int(params["heads"])
        if heads < 1 or hidden % heads:
            raise ValueError(f"--heads ({heads}) must divide --hidden ({hidden})")
        return TrendTransformer(features, int(params["n_pairs"]), int(params["window"]), hidden, layers, heads,
                                dropout)
    except KeyError as exc:
        raise ValueError(f"model params lack {exc.args[0]}") from None
