"""iOS artifacts, one file each."""
