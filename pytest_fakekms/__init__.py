"""pytest-fakekms: an in-process, stateful fake of AWS KMS for pytest."""
