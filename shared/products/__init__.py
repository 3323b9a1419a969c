"""Products: a job's result published for sale, and the public listing of the storefront."""
