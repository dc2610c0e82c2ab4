"""The HTTP edge: the aiohttp application, its handlers, errors, metrics and the page."""
