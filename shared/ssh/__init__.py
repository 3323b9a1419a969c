"""SSH connections to a team's own machines (seed 003): stored by the `ssh` group, opened
only by the `ssh_runner` worker."""
