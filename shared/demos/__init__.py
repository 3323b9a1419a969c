"""Demo apps (seed 002): a page generated through the team's router that calls the team's
deployed agent APIs, stored with its source and served from S3 under a CSP."""
