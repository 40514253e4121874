"""One small function per KMS operation, registered by name."""
