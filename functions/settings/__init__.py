"""Team settings (the budget-backed ones read and written through the team budget), the
system status and the team's KPIs."""
