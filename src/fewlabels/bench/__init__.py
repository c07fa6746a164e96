"""The benchmark harness: every method side by side with the existing tools, on real data."""

from .peers import SUPERVISED_PEERS, available_methods, register_peers
from .report import bench_report
from .runner import RESULT_FIELDS, BenchConfig, run_benchmark
from .summary import critical_difference, load_results, summarize

__all__ = [
    "RESULT_FIELDS",
    "SUPERVISED_PEERS",
    "BenchConfig",
    "available_methods",
    "register_peers",
    "bench_report",
    "critical_difference",
    "load_results",
    "run_benchmark",
    "summarize",
]
