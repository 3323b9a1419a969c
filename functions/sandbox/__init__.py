"""The sandbox: runs user code in a child process with limits, no network and no grants."""
