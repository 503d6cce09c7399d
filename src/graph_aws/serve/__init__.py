"""graph-aws serve: a local JupiterOne API (GraphQL queryV1, the persister's sync jobs) and a web UI."""
