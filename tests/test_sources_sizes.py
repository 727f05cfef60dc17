"""Tests of emergence.sources.sizes: what a user adds about the models (sizes, losses)."""

import numpy as np
import pandas as pd
import pytest

from emergence.errors import EmergenceError
from emergence.sources.sizes import add_losses, read_losses


def test_read_losses_by_model_and_by_checkpoint(tmp_path):
    path = tmp_path / "loss.csv"
    path.write_text("model,loss\nm-70m,3.1\nm-1b,2.4\n")
    assert read_losses(path).values.tolist() == [["m-70m", 3.1], ["m-1b", 2.4]]
    path.write_text("model,step,loss\nm,1000,3.5\nm,2000,3.0\n")
    assert read_losses(path)[["step", "loss"]].values.tolist() == [[1000.0, 3.5], [2000.0, 3.0]]


@pytest.mark.parametrize(("text", "message"), [
    ("model,params\n", r"line 1 must be the header 'model,loss' or 'model,step,loss'"),
    ("model,loss\nm,-1\n", r"line 2, column 'loss': -1 is not a finite number > 0"),
    ("model,loss\nm,inf\n", r"line 2, column 'loss': inf is not a finite number > 0"),
    ("model,loss\nm,abc\n", r"line 2: 'm,abc': not a number"),
    ("model,loss\nm,2\nm,3\n", r"lines 2, 3: model 'm' is given more than one loss"),
    ("model,step,loss\nm,1\n", r"line 2: 'm,1' has 2 cell\(s\); the header has 3"),
])
def test_read_losses_names_the_line_and_value(tmp_path, text, message):
    path = tmp_path / "loss.csv"
    path.write_text(text)
    with pytest.raises(EmergenceError, match=message):
        read_losses(path)


def test_add_losses_by_model_or_checkpoint():
    records = pd.DataFrame({"model": ["a", "a", "b", "c"], "step": [1.0, 2.0, 2.0, 2.0], "x": 0})
    by_model = add_losses(records, pd.DataFrame({"model": ["a", "b"], "loss": [3.0, 2.5]}))
    assert by_model["loss"].tolist()[:3] == [3.0, 3.0, 2.5] and np.isnan(by_model["loss"].iloc[3])
    by_step = add_losses(records, pd.DataFrame({"model": ["a", "a"], "step": [1.0, 2.0], "loss": [3.5, 3.0]}))
    assert by_step["loss"].tolist()[:2] == [3.5, 3.0] and by_step["loss"].iloc[2:].isna().all()
    assert list(by_step.index) == list(records.index) and "x" in by_step


def test_add_losses_refuses_a_file_of_other_models():
    records = pd.DataFrame({"model": ["a", "b"]})
    with pytest.raises(EmergenceError, match=r"none of its models \(x, y\) is among the models read"):
        add_losses(records, pd.DataFrame({"model": ["x", "y"], "loss": [3.0, 2.5]}))
