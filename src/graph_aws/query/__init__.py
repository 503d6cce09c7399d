"""J1QL, JupiterOne's query language, answered from graph-aws's own store.

    run_query(store, "FIND aws_account WITH email = undefined")  -> QueryResult(kind, columns, rows)

parser.py reads the text with a Lark grammar (grammar.lark) into the dataclasses of ast.py; sql.py
(with filters.py) turns those into one SQL statement with bound parameters, in the SQL of dialect.py;
run.py executes it, decodes the rows and pages them (J1's 250 rows unless the query says LIMIT).
"""

from graph_aws.errors import J1QLError, J1QLSyntaxError
from graph_aws.query.ast import Query
from graph_aws.query.parser import parse
from graph_aws.query.run import DEFAULT_PAGE_SIZE, DEFAULT_SMART_CLASSES, QueryResult, run_query, translate

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_SMART_CLASSES",
    "J1QLError",
    "J1QLSyntaxError",
    "Query",
    "QueryResult",
    "parse",
    "run_query",
    "translate",
]
