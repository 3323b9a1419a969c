"""Team settings (the budget-backed ones read and written through the team budget; also by
category and key), the dependency health, wiping a team's data, the system status and the
team's KPIs."""
