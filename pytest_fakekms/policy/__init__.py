"""Key-policy documents: parse, validate, evaluate, re-serialize. No botocore here."""
