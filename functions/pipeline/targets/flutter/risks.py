"""What the review says the pipeline cannot prove about a Flutter project."""

RISKS = (
    "Dart is checked statically only (imports, routes, pubspec): run `flutter test` "
    "and `flutter analyze` in CI.",
)
