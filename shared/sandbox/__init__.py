"""Running user code: the child process and its limits (runner, child), the sandbox
function's work (worker), and the callers' side (client, broker)."""
