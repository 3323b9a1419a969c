"""Developer tools: the local runtime on emulated AWS, local invoke, the command-line client."""
