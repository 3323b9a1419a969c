"""The `flutter` target (android and ios): a Material app with one screen and widget test each."""

from __future__ import annotations

from functions.pipeline.targets.naming import (
    Feature,
    dart_package_name,
    dart_string,
    features_of,
    one_line,
    yaml_string,
)
from functions.pipeline.targets.readme import readme
from functions.pipeline.targets.styles import Palette, palette_for
from shared.pipeline.spec import JobSpec


def screen_path(feature: Feature) -> str:
    return f"lib/screens/{feature.snake}_screen.dart"


def render(spec: JobSpec, *, feedback: str | None = None) -> dict[str, str]:
    features = features_of(spec)
    package = dart_package_name(spec)
    files = {
        "pubspec.yaml": _pubspec(spec, package),
        "analysis_options.yaml": _ANALYSIS_OPTIONS,
        "lib/main.dart": _main(features),
        "lib/theme.dart": _theme(palette_for(spec.style)),
        "lib/navigation.dart": _navigation(spec, features),
        "README.md": readme(
            spec,
            features,
            run=["`flutter pub get`", "`flutter run` (an Android emulator or iOS simulator)"],
            test=["`flutter test`"],
            layout=[
                "`lib/main.dart`: the app and its named routes, one per screen",
                "`lib/navigation.dart`: the drawer that reaches every screen",
                "`lib/theme.dart`: the palette and typography",
                "`lib/screens/<feature>_screen.dart`: one screen per feature",
                "`test/<feature>_screen_test.dart`: one widget test per screen",
            ],
            feedback=feedback,
        ),
    }
    for feature in features:
        files[screen_path(feature)] = _screen(feature)
        files[f"test/{feature.snake}_screen_test.dart"] = _screen_test(feature, package)
    return files


def _pubspec(spec: JobSpec, package: str) -> str:
    description = one_line(spec.description or spec.name, limit=180)
    return f"""name: {package}
description: {yaml_string(description)}
publish_to: "none"
version: 1.0.0+1

environment:
  sdk: ">=3.3.0 <4.0.0"

dependencies:
  flutter:
    sdk: flutter

dev_dependencies:
  flutter_test:
    sdk: flutter
  flutter_lints: ^4.0.0

flutter:
  uses-material-design: true
"""


_ANALYSIS_OPTIONS = """include: package:flutter_lints/flutter.yaml

linter:
  rules:
    - prefer_const_constructors
    - prefer_single_quotes
"""


def _main(features: tuple[Feature, ...]) -> str:
    imports = "\n".join(f"import '{screen_path(f).removeprefix('lib/')}';" for f in features)
    routes = "\n".join(
        f"        {f.pascal}Screen.routeName: (BuildContext context) => const {f.pascal}Screen(),"
        for f in features
    )
    first = features[0]
    return f"""import 'package:flutter/material.dart';

import 'navigation.dart';
{imports}
import 'theme.dart';

void main() {{
  runApp(const App());
}}

class App extends StatelessWidget {{
  const App({{super.key}});

  @override
  Widget build(BuildContext context) {{
    return MaterialApp(
      title: appTitle,
      theme: buildTheme(),
      home: const {first.pascal}Screen(),
      routes: <String, WidgetBuilder>{{
{routes}
      }},
    );
  }}
}}
"""


def _navigation(spec: JobSpec, features: tuple[Feature, ...]) -> str:
    destinations = "\n".join(
        f"  Destination({dart_string(f.title)}, '/{f.slug}')," for f in features
    )
    return f"""import 'package:flutter/material.dart';

/// The app's name, as the job named it.
const String appTitle = {dart_string(spec.name)};

class Destination {{
  const Destination(this.title, this.route);

  final String title;
  final String route;
}}

/// Every screen, in the order the drawer lists them.
const List<Destination> destinations = <Destination>[
{destinations}
];

class AppDrawer extends StatelessWidget {{
  const AppDrawer({{required this.currentRoute, super.key}});

  final String currentRoute;

  @override
  Widget build(BuildContext context) {{
    return Drawer(
      child: ListView(
        children: <Widget>[
          DrawerHeader(child: Text(appTitle, style: Theme.of(context).textTheme.titleLarge)),
          for (final Destination destination in destinations)
            ListTile(
              title: Text(destination.title),
              selected: destination.route == currentRoute,
              onTap: () => Navigator.of(context).pushReplacementNamed(destination.route),
            ),
        ],
      ),
    );
  }}
}}
"""


def _colour(hex_: str) -> str:
    return f"Color(0xFF{hex_.removeprefix('#').upper()})"


def _theme(palette: Palette) -> str:
    brightness = "Brightness.dark" if palette.brightness == "dark" else "Brightness.light"
    return f"""import 'package:flutter/material.dart';

/// The "{palette.style}" style.
class AppColors {{
  static const Color background = {_colour(palette.background)};
  static const Color surface = {_colour(palette.surface)};
  static const Color text = {_colour(palette.text)};
  static const Color muted = {_colour(palette.muted)};
  static const Color primary = {_colour(palette.primary)};
  static const Color onPrimary = {_colour(palette.on_primary)};
  static const Color accent = {_colour(palette.accent)};
  static const Color border = {_colour(palette.border)};
}}

const String fontFamily = {dart_string(palette.font_family)};
const double cornerRadius = {palette.radius_px};

ThemeData buildTheme() {{
  final ColorScheme scheme = ColorScheme.fromSeed(
    seedColor: AppColors.primary,
    brightness: {brightness},
  ).copyWith(
    primary: AppColors.primary,
    onPrimary: AppColors.onPrimary,
    secondary: AppColors.accent,
    surface: AppColors.surface,
    onSurface: AppColors.text,
    outline: AppColors.border,
  );
  return ThemeData(
    colorScheme: scheme,
    scaffoldBackgroundColor: AppColors.background,
    fontFamily: fontFamily,
    useMaterial3: true,
    inputDecorationTheme: const InputDecorationTheme(
      border: OutlineInputBorder(
        borderRadius: BorderRadius.all(Radius.circular(cornerRadius)),
      ),
    ),
  );
}}
"""


def _screen(feature: Feature) -> str:
    p, slug = feature.pascal, feature.slug
    label = dart_string(f"New {feature.title.lower()} entry")
    return f"""import 'package:flutter/material.dart';

import '../navigation.dart';

/// The {feature.title.lower()} screen: a list the user adds entries to.
class {p}Screen extends StatefulWidget {{
  const {p}Screen({{super.key}});

  static const String routeName = '/{slug}';
  static const String title = {dart_string(feature.title)};

  @override
  State<{p}Screen> createState() => _{p}ScreenState();
}}

class _{p}ScreenState extends State<{p}Screen> {{
  final TextEditingController _controller = TextEditingController();
  final List<String> _items = <String>[];

  @override
  void dispose() {{
    _controller.dispose();
    super.dispose();
  }}

  void _add() {{
    final String text = _controller.text.trim();
    if (text.isEmpty) {{
      return;
    }}
    setState(() {{
      _items.add(text);
      _controller.clear();
    }});
  }}

  void _remove(int index) {{
    setState(() => _items.removeAt(index));
  }}

  @override
  Widget build(BuildContext context) {{
    return Scaffold(
      appBar: AppBar(title: const Text({p}Screen.title)),
      drawer: const AppDrawer(currentRoute: {p}Screen.routeName),
      body: Padding(
        padding: const EdgeInsets.all(16),
        child: Column(
          crossAxisAlignment: CrossAxisAlignment.stretch,
          children: <Widget>[
            Row(
              children: <Widget>[
                Expanded(
                  child: TextField(
                    key: const Key('{slug}-input'),
                    controller: _controller,
                    decoration: const InputDecoration(labelText: {label}),
                    onSubmitted: (String _) => _add(),
                  ),
                ),
                const SizedBox(width: 12),
                FilledButton(
                  key: const Key('{slug}-add'),
                  onPressed: _add,
                  child: const Text('Add'),
                ),
              ],
            ),
            const SizedBox(height: 16),
            Expanded(
              child: _items.isEmpty
                  ? const Center(child: Text('Nothing here yet.'))
                  : ListView.builder(
                      itemCount: _items.length,
                      itemBuilder: (BuildContext context, int index) => ListTile(
                        title: Text(_items[index]),
                        trailing: IconButton(
                          key: Key('{slug}-remove-$index'),
                          tooltip: 'Remove',
                          icon: const Icon(Icons.delete_outline),
                          onPressed: () => _remove(index),
                        ),
                      ),
                    ),
            ),
          ],
        ),
      ),
    );
  }}
}}
"""


def _screen_test(feature: Feature, package: str) -> str:
    p, slug = feature.pascal, feature.slug
    return f"""import 'package:flutter/material.dart';
import 'package:flutter_test/flutter_test.dart';
import 'package:{package}/{screen_path(feature).removeprefix("lib/")}';

void main() {{
  testWidgets('{p}Screen adds and removes entries', (WidgetTester tester) async {{
    await tester.pumpWidget(const MaterialApp(home: {p}Screen()));

    expect(find.text({p}Screen.title), findsOneWidget);
    expect(find.text('Nothing here yet.'), findsOneWidget);

    await tester.enterText(find.byKey(const Key('{slug}-input')), 'First entry');
    await tester.tap(find.byKey(const Key('{slug}-add')));
    await tester.pump();
    expect(find.text('First entry'), findsOneWidget);

    await tester.tap(find.byKey(const Key('{slug}-remove-0')));
    await tester.pump();
    expect(find.text('First entry'), findsNothing);
    expect(find.text('Nothing here yet.'), findsOneWidget);
  }});

  testWidgets('{p}Screen ignores blank entries', (WidgetTester tester) async {{
    await tester.pumpWidget(const MaterialApp(home: {p}Screen()));

    await tester.enterText(find.byKey(const Key('{slug}-input')), '   ');
    await tester.tap(find.byKey(const Key('{slug}-add')));
    await tester.pump();
    expect(find.text('Nothing here yet.'), findsOneWidget);
  }});
}}
"""
