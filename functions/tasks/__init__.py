"""The tasks group: tasks, boards, agents checking in on boards."""
