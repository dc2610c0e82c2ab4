"""The upstreams: the HTTP client and the formats the service reads weeks from."""
