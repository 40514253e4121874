"""The backend's domain: accounts, regions, keys, aliases, key states, quotas."""
