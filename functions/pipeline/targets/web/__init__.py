"""The web target: a static site (HTML, CSS, ES modules) with `node --test` tests."""
