"""tracehound: find traces of mercenary spyware and stalkerware in mobile acquisitions."""

__version__ = "0.1.0"

#: Version of the result folder layout (detections.jsonl and .parquet, run.json, records/*.parquet,
#: timeline.csv).
#: Bump it only on purpose, and say in the README what changed.
OUTPUT_FORMAT_VERSION = "2.2"
