"""Write the lighteval details of tests/data/lighteval/ with the real tool, offline.

    python -m venv /tmp/lv && /tmp/lv/bin/pip install torch==2.13.0 lighteval==0.13.0 "xxhash<4"
    cd tests/data/lighteval && HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 /tmp/lv/bin/python make_details.py

Five pretend sizes (toy-10m .. toy-1b, toy_model.py: no weights, choice log-likelihoods drawn so
that the right choice's probability rises sharply between 100m and 300m) answer the custom task of
sums_task.py (500 one-digit sums as four-way multiple choice, read from data/test.jsonl), through
lighteval's own pipeline and EvaluationTracker with save_details: the parquet files under
details/<model>/<date>/ are lighteval's. One workaround: lighteval's task registry imports every
built-in task module, and one of them downloads a file from GitHub at import (tinyBenchmarks), so
the registry is given the custom task module alone. (And lighteval 0.13.0 hashes the query with
``xxhash.xxh64(str)``, which xxhash 4 refuses: install ``xxhash<4`` beside it.)
"""

import shutil
from pathlib import Path

import sums_task
from lighteval.logging.evaluation_tracker import EvaluationTracker
from lighteval.models.custom.custom_model import CustomModelConfig
from lighteval.pipeline import ParallelismManager, Pipeline, PipelineParameters
from lighteval.tasks.registry import Registry

HERE = Path(__file__).parent
SIZES = ("toy-10m", "toy-30m", "toy-100m", "toy-300m", "toy-1b")


def only_the_custom_task(custom_tasks=None, load_multilingual=False):
    return Registry._extract_configs(sums_task)


def main() -> None:
    Registry.load_all_task_configs = staticmethod(only_the_custom_task)
    shutil.rmtree(HERE / "details", ignore_errors=True)
    for name in SIZES:
        tracker = EvaluationTracker(output_dir=str(HERE / "run"), save_details=True)
        pipeline = Pipeline(
            tasks="sums|0",
            pipeline_parameters=PipelineParameters(launcher_type=ParallelismManager.CUSTOM),
            evaluation_tracker=tracker,
            model_config=CustomModelConfig(model_name=name,
                                           model_definition_file_path=str(HERE / "toy_model.py")),
        )
        pipeline.evaluate()
        pipeline.save_and_push_results()
    shutil.move(str(HERE / "run" / "details"), str(HERE / "details"))
    shutil.rmtree(HERE / "run")


if __name__ == "__main__":
    main()
