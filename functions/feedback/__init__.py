"""Product feedback (seed 000 `/api/feedback/*`): ratings of listed products."""
