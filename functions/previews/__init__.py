"""The previews group: sandbox previews of listed web products."""
