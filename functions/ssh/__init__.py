"""SSH connections (seed 003): CRUD, test and execute through the ssh_runner worker."""
