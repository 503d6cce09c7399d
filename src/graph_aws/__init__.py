"""graph-aws: an asset graph of a whole AWS Organization, in JupiterOne's data model."""

__version__ = "0.1.0"
