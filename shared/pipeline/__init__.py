"""The generation pipeline's shared pieces: the job spec, the phase definition, the ASL."""
