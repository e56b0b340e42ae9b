"""One module per view; each has ``render(graph, url)`` which draws the page and fills ``url``
with the parameters that reopen it."""
