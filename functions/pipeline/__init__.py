"""The generation pipeline: phase workers and the checks they run on generated code."""
