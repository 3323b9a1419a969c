"""LLM costs: summaries and breakdowns of the ledger, the team budget, user usage and
monthly allowances."""
