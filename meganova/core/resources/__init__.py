"""API resources: validate arguments, describe requests, return models."""
