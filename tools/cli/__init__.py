"""`factory`: the command-line client of the Software Factory API.

It talks HTTP only (httpx), so it imports nothing from the server's packages and runs
against a deployed API and the local one (`make dev`) alike.
"""
