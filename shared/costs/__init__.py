"""LLM cost accounting: the ledger and its rollups (`ledger`), summaries read from the
rollups (`summaries`), and team budgets and user allowances (`budgets`)."""
