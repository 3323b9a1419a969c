"""Product feedback (seed 000 `/api/feedback/*`): storefront visitors rate listed products."""
