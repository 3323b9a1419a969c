"""LLM cost accounting: the ledger and its rollups (`ledger`), summaries read from the
rollups (`summaries`), team budgets and user allowances (`budget_store`, `budget_updates`),
the check before a call (`budget_check`) and the alerts after one (`alerts`)."""
