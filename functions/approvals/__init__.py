"""Human in the loop: the approvals a job's gates ask for, and their decisions."""
