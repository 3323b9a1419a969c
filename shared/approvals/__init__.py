"""Approvals beyond a job's phases: requests anyone opens (POST /approvals) and workflow
approval steps."""
