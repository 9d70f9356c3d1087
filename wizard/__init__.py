"""guardform: hardened Terraform for AI workloads on AWS, from a few answers."""

__version__ = "0.2.0"
