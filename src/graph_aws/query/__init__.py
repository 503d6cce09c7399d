"""J1QL, JupiterOne's query language, answered from graph-aws's own store.

    run_query(store, "FIND aws_account WITH email = undefined")  -> QueryResult(kind, columns, rows)

parser.py reads the text with a Lark grammar (grammar.lark) into dataclasses; sql.py turns those
into one SQL statement with bound parameters; run.py executes it and decodes the rows.
"""

from graph_aws.errors import J1QLError, J1QLSyntaxError
from graph_aws.query.parser import Query, parse
from graph_aws.query.run import QueryResult, run_query, translate

__all__ = ["J1QLError", "J1QLSyntaxError", "Query", "QueryResult", "parse", "run_query", "translate"]
