"""The `web` target: a static site with a hash router, one interactive screen per feature.

Free text from the spec goes only into `index.html` (escaped) and the README; the
JavaScript carries nothing but slugs, so nothing a user types can reach a script.
"""

from __future__ import annotations

import json

from functions.pipeline.targets.naming import Feature, features_of, html_text
from functions.pipeline.targets.readme import readme
from functions.pipeline.targets.styles import Palette, palette_for
from shared.pipeline.spec import JobSpec


def render(spec: JobSpec, *, feedback: str | None = None) -> dict[str, str]:
    features = features_of(spec)
    return {
        "index.html": _index_html(spec, features),
        "styles.css": _styles_css(palette_for(spec.style)),
        "app.js": _APP_JS,
        "lib.js": _lib_js(spec, features),
        "tests/app.test.js": _tests_js(features),
        "package.json": _package_json(spec),
        "README.md": readme(
            spec,
            features,
            run=["Open `index.html` in a browser, or serve the folder: `npx serve .`"],
            test=["`node --test` (Node.js 20 or later, no dependencies)"],
            layout=[
                "`index.html`: one section per feature, reached from the navigation",
                "`app.js`: the hash router and the page wiring",
                "`lib.js`: the pure functions (routing, list updates, storage)",
                "`styles.css`: the palette as CSS variables",
                "`tests/app.test.js`: one test per feature",
            ],
            feedback=feedback,
        ),
    }


def _index_html(spec: JobSpec, features: tuple[Feature, ...]) -> str:
    name = html_text(spec.name)
    description = html_text(spec.description)
    nav = "\n".join(
        f'          <li><a href="#{f.slug}">{html_text(f.title)}</a></li>' for f in features
    )
    sections = "\n".join(_section(f) for f in features)
    tagline = f'      <p class="tagline">{description}</p>\n' if spec.description else ""
    return f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="description" content="{description}">
    <title>{name}</title>
    <link rel="stylesheet" href="styles.css">
    <script type="module" src="app.js"></script>
  </head>
  <body>
    <a class="skip-link" href="#page__content">Skip to content</a>
    <header class="site-header">
      <h1>{name}</h1>
{tagline}      <nav aria-label="Main">
        <ul>
{nav}
        </ul>
      </nav>
    </header>
    <main id="page__content">
{sections}
    </main>
    <footer class="site-footer">
      <p>Your entries are saved in this browser only.</p>
    </footer>
  </body>
</html>
"""


def _section(feature: Feature) -> str:
    # Ids use "__", which a slug can never contain, so they cannot collide with a screen id.
    slug, title = feature.slug, html_text(feature.title)
    return f"""      <section id="{slug}" class="screen" data-screen="{slug}" aria-labelledby="{slug}__title">
        <h2 id="{slug}__title">{title}</h2>
        <form class="item-form" data-feature="{slug}">
          <label for="{slug}__input">New {html_text(feature.title.lower())} entry</label>
          <input id="{slug}__input" name="item" type="text" required maxlength="200" autocomplete="off">
          <button type="submit">Add</button>
        </form>
        <p class="empty" data-empty="{slug}">Nothing here yet.</p>
        <ul class="items" id="{slug}__list" aria-live="polite"></ul>
      </section>"""  # noqa: E501 - HTML attributes read better on one line


def _styles_css(palette: Palette) -> str:
    variables = "\n".join(f"  --color-{role}: {hex_};" for role, hex_ in palette.colours().items())
    return f"""/* The "{palette.style}" style: change the variables to restyle every screen. */
:root {{
{variables}
  --font-body: {palette.font_body};
  --font-heading: {palette.font_heading};
  --radius: {palette.radius_px}px;
  color-scheme: {palette.brightness};
}}

* {{
  box-sizing: border-box;
}}

body {{
  margin: 0;
  background: var(--color-background);
  color: var(--color-text);
  font-family: var(--font-body);
  line-height: 1.5;
}}

h1,
h2 {{
  font-family: var(--font-heading);
  line-height: 1.2;
}}

.skip-link {{
  position: absolute;
  left: -9999px;
}}

.skip-link:focus {{
  left: 1rem;
  top: 1rem;
  background: var(--color-surface);
  padding: 0.5rem 1rem;
}}

.site-header,
main,
.site-footer {{
  max-width: 48rem;
  margin: 0 auto;
  padding: 1rem 1.5rem;
}}

.tagline,
.empty,
.site-footer {{
  color: var(--color-muted);
}}

nav ul {{
  display: flex;
  flex-wrap: wrap;
  gap: 0.5rem;
  list-style: none;
  padding: 0;
}}

nav a {{
  display: inline-block;
  padding: 0.4rem 0.9rem;
  border: 1px solid var(--color-border);
  border-radius: var(--radius);
  color: var(--color-text);
  text-decoration: none;
}}

nav a[aria-current="page"] {{
  background: var(--color-primary);
  border-color: var(--color-primary);
  color: var(--color-on-primary);
}}

.screen {{
  background: var(--color-surface);
  border: 1px solid var(--color-border);
  border-radius: var(--radius);
  padding: 1.5rem;
}}

.item-form {{
  display: flex;
  flex-wrap: wrap;
  gap: 0.5rem;
  align-items: center;
}}

.item-form label {{
  flex-basis: 100%;
}}

.item-form input {{
  flex: 1;
  padding: 0.5rem;
  border: 1px solid var(--color-border);
  border-radius: var(--radius);
  background: var(--color-background);
  color: var(--color-text);
}}

button {{
  padding: 0.5rem 1rem;
  border: 0;
  border-radius: var(--radius);
  background: var(--color-primary);
  color: var(--color-on-primary);
  cursor: pointer;
}}

button:focus-visible,
a:focus-visible,
input:focus-visible {{
  outline: 3px solid var(--color-accent);
  outline-offset: 2px;
}}

.items li {{
  display: flex;
  justify-content: space-between;
  gap: 1rem;
  padding: 0.25rem 0;
}}
"""


def _lib_js(spec: JobSpec, features: tuple[Feature, ...]) -> str:
    entries = "\n".join(
        f"  {{ id: {json.dumps(f.slug)}, title: {json.dumps(f.title)}, "
        f"storageKey: {json.dumps(f'{spec.slug}:{f.slug}')} }},"
        for f in features
    )
    return f"""// Pure functions: no DOM here, so `node --test` can exercise every one of them.

export const FEATURES = [
{entries}
];

export const MAX_ITEM_LENGTH = 200;

// "#notes" (or "#/notes") -> "notes"; anything unknown opens the first screen.
export function routeFor(hash) {{
  const id = String(hash ?? '').replace(/^#\\/?/, '');
  return FEATURES.some((feature) => feature.id === id) ? id : FEATURES[0].id;
}}

export function addItem(items, text) {{
  const clean = String(text ?? '').trim().slice(0, MAX_ITEM_LENGTH);
  return clean ? [...items, clean] : items;
}}

export function removeItem(items, index) {{
  return items.filter((_, position) => position !== index);
}}

// Storage may be disabled or hold anything: fall back to an empty list, never throw.
export function loadItems(storage, key) {{
  try {{
    const parsed = JSON.parse(storage.getItem(key) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((item) => typeof item === 'string') : [];
  }} catch {{
    return [];
  }}
}}

export function saveItems(storage, key, items) {{
  try {{
    storage.setItem(key, JSON.stringify(items));
    return true;
  }} catch {{
    return false;
  }}
}}
"""


# The page wiring. It only ever sets `textContent`, so stored text is never parsed as HTML.
_APP_JS = """// Page wiring: the hash router and one list screen per feature.
import { FEATURES, addItem, loadItems, removeItem, routeFor, saveItems } from './lib.js';

function showScreen(id) {
  for (const screen of document.querySelectorAll('[data-screen]')) {
    screen.hidden = screen.dataset.screen !== id;
  }
  for (const link of document.querySelectorAll('nav a[href^="#"]')) {
    if (link.getAttribute('href') === `#${id}`) {
      link.setAttribute('aria-current', 'page');
    } else {
      link.removeAttribute('aria-current');
    }
  }
}

function update(feature, items) {
  saveItems(window.localStorage, feature.storageKey, items);
  renderItems(feature, items);
}

function renderItems(feature, items) {
  const list = document.getElementById(`${feature.id}__list`);
  const empty = document.querySelector(`[data-empty="${feature.id}"]`);
  const rows = items.map((text, index) => {
    const row = document.createElement('li');
    const label = document.createElement('span');
    label.textContent = text;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', `Remove ${text}`);
    remove.addEventListener('click', () => {
      update(feature, removeItem(loadItems(window.localStorage, feature.storageKey), index));
    });
    row.append(label, remove);
    return row;
  });
  list.replaceChildren(...rows);
  empty.hidden = items.length > 0;
}

function setUpScreen(feature) {
  const form = document.querySelector(`form[data-feature="${feature.id}"]`);
  const input = form.querySelector('input');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    update(feature, addItem(loadItems(window.localStorage, feature.storageKey), input.value));
    input.value = '';
    input.focus();
  });
  renderItems(feature, loadItems(window.localStorage, feature.storageKey));
}

export function start() {
  FEATURES.forEach(setUpScreen);
  const route = () => showScreen(routeFor(window.location.hash));
  window.addEventListener('hashchange', route);
  route();
}

if (typeof document !== 'undefined') {
  start();
}
"""


def _tests_js(features: tuple[Feature, ...]) -> str:
    tests = "\n".join(
        f"""test({json.dumps(f"{f.slug}: its route opens its screen, keeps entries")}, () => {{
  const feature = FEATURES.find((candidate) => candidate.id === {json.dumps(f.slug)});
  assert.ok(feature, 'the feature has a screen');
  assert.equal(routeFor({json.dumps("#" + f.slug)}), feature.id);
  const storage = memoryStorage();
  const items = addItem(loadItems(storage, feature.storageKey), '  First entry  ');
  assert.ok(saveItems(storage, feature.storageKey, items));
  assert.deepEqual(loadItems(storage, feature.storageKey), ['First entry']);
  assert.deepEqual(addItem(items, '   '), items, 'blank entries are ignored');
  assert.deepEqual(removeItem(items, 0), []);
}});
"""
        for f in features
    )
    return f"""import assert from 'node:assert/strict';
import {{ test }} from 'node:test';

import {{ FEATURES, addItem, loadItems, removeItem, routeFor, saveItems }} from '../lib.js';

function memoryStorage() {{
  const data = new Map();
  return {{
    getItem: (key) => (data.has(key) ? data.get(key) : null),
    setItem: (key, value) => data.set(key, String(value)),
  }};
}}

{tests}
test('an unknown route opens the first screen', () => {{
  assert.equal(routeFor('#no-such-screen'), FEATURES[0].id);
}});

test('unreadable storage gives an empty list', () => {{
  const storage = memoryStorage();
  storage.setItem('broken', '{{not json');
  assert.deepEqual(loadItems(storage, 'broken'), []);
}});
"""


def _package_json(spec: JobSpec) -> str:
    package = {
        "name": spec.slug,
        "version": "0.1.0",
        "private": True,
        "type": "module",
        "scripts": {"test": "node --test"},
    }
    return json.dumps(package, indent=2) + "\n"
