"""Investigation questions over the graph: each module answers one kind of question.

Functions here take a :class:`~ownership.graph.Graph` and plain arguments and return plain
dataclasses or dicts; the CLI and the explorer call the same functions and render the results.
"""
