"""A lighteval custom task for the fixture: 60 one-digit sums as four-way multiple choice, read from
the local folder data/ (no Hub access)."""

from pathlib import Path

from lighteval.metrics.metrics import Metrics
from lighteval.tasks.lighteval_task import LightevalTaskConfig
from lighteval.tasks.requests import Doc


def prompt(line: dict, task_name: str = "") -> Doc:
    return Doc(task_name=task_name, query=line["question"], choices=line["choices"], gold_index=line["gold"],
               id=line["id"])


TASKS_TABLE = [
    LightevalTaskConfig(name="sums", prompt_function=prompt, hf_repo=str(Path(__file__).parent / "data"),
                        hf_subset="default", hf_avail_splits=["test"], evaluation_splits=["test"],
                        metrics=[Metrics.loglikelihood_acc], version=0)
]
