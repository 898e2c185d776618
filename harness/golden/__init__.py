"""Golden data: strict parsing, fingerprints, warnings, statistics, dedupe and splits."""

from harness.golden._dedupe import (
    NEAR_DUPLICATE_THRESHOLD,
    Duplicate,
    find_duplicates,
    normalise_text,
)
from harness.golden._leakage import Leak, find_file_leakage, find_leakage, suite_files
from harness.golden._load import (
    MAX_LINE_BYTES,
    GoldenFile,
    check_golden,
    file_fingerprint,
    load_golden,
    load_many,
)
from harness.golden._report import FileStats, LengthStats, file_stats, find_warnings
from harness.golden._split import (
    RUN_SPLITS,
    RunSplit,
    SplitRatios,
    SuiteSplit,
    assign_split,
    select_split,
    split_examples,
    split_of,
)

__all__ = [
    "MAX_LINE_BYTES",
    "NEAR_DUPLICATE_THRESHOLD",
    "RUN_SPLITS",
    "Duplicate",
    "FileStats",
    "GoldenFile",
    "Leak",
    "LengthStats",
    "RunSplit",
    "SplitRatios",
    "SuiteSplit",
    "assign_split",
    "check_golden",
    "file_fingerprint",
    "file_stats",
    "find_duplicates",
    "find_file_leakage",
    "find_leakage",
    "find_warnings",
    "load_golden",
    "load_many",
    "normalise_text",
    "select_split",
    "split_examples",
    "split_of",
    "suite_files",
]
