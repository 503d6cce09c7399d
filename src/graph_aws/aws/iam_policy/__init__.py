"""IAM policy documents, read as AWS reads them: statements (documents.py), wildcards in actions and
ARNs (patterns.py), AWS's catalog of actions with their access levels (catalog.py), and what each
statement grants on the account's services and resources (grants.py). AWS knowledge only: no
graph, no store."""
