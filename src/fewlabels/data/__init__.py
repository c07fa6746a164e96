"""Tables in: reading files and frames, typing columns, encoding, and the unlabeled-row rule."""

from .encoder import OTHER_CATEGORY, NumericView, TableEncoder
from .io import as_pandas, atomic_path, read_table, write_table, write_text
from .labels import (
    TASKS,
    UNLABELED,
    EncodedTarget,
    Target,
    TargetWarning,
    encode_target,
    infer_task,
    parse_target,
    placeholder_hint,
    proportions_target,
    unlabeled_mask,
)
from .schema import ColumnInfo, Schema, infer_schema

__all__ = [
    "OTHER_CATEGORY",
    "UNLABELED",
    "ColumnInfo",
    "EncodedTarget",
    "NumericView",
    "Schema",
    "TASKS",
    "TableEncoder",
    "Target",
    "TargetWarning",
    "as_pandas",
    "atomic_path",
    "encode_target",
    "infer_schema",
    "infer_task",
    "parse_target",
    "placeholder_hint",
    "proportions_target",
    "read_table",
    "unlabeled_mask",
    "write_table",
    "write_text",
]
