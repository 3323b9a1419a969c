"""The Flutter target (android, ios): one screen per feature, checked statically."""
