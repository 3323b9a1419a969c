"""The product_dashboard group: a team's admins read its figures (a JSON answer and a
server-sent event) and run discovery of product ideas."""
