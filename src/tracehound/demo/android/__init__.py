"""Demo builders for Android artifacts: each returns the file's exact bytes."""
