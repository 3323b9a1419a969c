"""Storage helpers. Importing ``shared.db.tables`` is free; ``shared.db.base`` pulls in PynamoDB."""
