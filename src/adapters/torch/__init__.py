"""PyTorch: the LSTM direction model and the cross-pair trend Transformer, their training loop,
model files (state dict + card), the run log and TensorBoard scalars (tensorboard, an extra, is
imported only when scalars are written)."""

from adapters.torch.files import ModelFileError, TorchModelFiles, load_model
from adapters.torch.runs_log import CsvRunLog, RunLogError
from adapters.torch.scalars import TensorBoardScalars
from adapters.torch.trainer import TorchTrainer

__all__ = ["CsvRunLog", "ModelFileError", "RunLogError", "TensorBoardScalars", "TorchModelFiles", "TorchTrainer",
           "load_model"]
