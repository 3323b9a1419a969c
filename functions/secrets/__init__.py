"""The secrets vault (seed 003): CRUD, rotate, expiring, an audited reveal."""
