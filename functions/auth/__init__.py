"""Identity: accounts, sessions, MFA, tokens, keys, team administration.

Its routes are spread over several modules that build their routes on import, so the
FastAPI compatibility fix goes in first (see shared.fastapi_compat).
"""

from shared import fastapi_compat

fastapi_compat.install()
