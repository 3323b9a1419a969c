"""The product_admin group: a team's admins run its products' lifecycle (seed 000's admin
rows under our auth)."""
