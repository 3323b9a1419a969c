"""The `python-api` target: a FastAPI app with one CRUD router and one test module per feature."""

from __future__ import annotations

from functions.pipeline.targets.naming import Feature, features_of, python_string
from functions.pipeline.targets.readme import readme
from shared.pipeline.spec import JobSpec

# Versions the generated project was verified with (the factory's own pins).
REQUIREMENTS = """# Runtime
fastapi==0.165.0
uvicorn==0.54.0
# Tests
httpx==0.28.1
pytest==9.2.0
"""


def health_test_path(features: tuple[Feature, ...]) -> str:
    """`tests/test_health.py`, unless a feature called "health" needs that name."""
    taken = any(f.snake == "health" for f in features)
    return "tests/test_app_health.py" if taken else "tests/test_health.py"


def render(spec: JobSpec, *, feedback: str | None = None) -> dict[str, str]:
    features = features_of(spec)
    files = {
        "app/__init__.py": '"""The application package."""\n',
        "app/main.py": _main(spec, features),
        "app/store.py": _STORE,
        "app/features/__init__.py": '"""One module per feature, each with its own router."""\n',
        "tests/__init__.py": '"""The test suite."""\n',
        "tests/conftest.py": _CONFTEST,
        health_test_path(features): _health_test(features),
        "requirements.txt": REQUIREMENTS,
        "pyproject.toml": _pyproject(spec),
        "README.md": readme(
            spec,
            features,
            run=[
                "`pip install -r requirements.txt`",
                "`uvicorn app.main:app --reload`, then open http://127.0.0.1:8000/docs",
            ],
            test=["`pytest`"],
            layout=[
                "`app/main.py`: the application, one router per feature, `GET /health`",
                "`app/features/<feature>.py`: create, list, read, update, delete",
                "`app/store.py`: the in-memory store (swap it for a database)",
                "`tests/`: one test module per feature",
            ],
            feedback=feedback,
        ),
    }
    for feature in features:
        files[f"app/features/{feature.snake}.py"] = _feature_module(feature)
        files[f"tests/test_{feature.snake}.py"] = _feature_test(feature)
    return files


def _main(spec: JobSpec, features: tuple[Feature, ...]) -> str:
    imports = "\n".join(
        f"from app.features.{f.snake} import router as {f.snake}_router" for f in features
    )
    includes = "\n".join(f"app.include_router({f.snake}_router)" for f in features)
    return f'''"""The application: one router per feature, a health check and the API docs."""

import html

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

{imports}

APP_NAME = {python_string(spec.name)}
APP_DESCRIPTION = {python_string(spec.description)}

# The docs page is served below rather than by FastAPI, whose page puts the title in
# HTML unescaped.
app = FastAPI(
    title=APP_NAME,
    description=APP_DESCRIPTION,
    version="0.1.0",
    docs_url=None,
    redoc_url=None,
)
{includes}


@app.get("/health", tags=["health"])
async def health() -> dict[str, str]:
    return {{"status": "ok"}}


@app.get("/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title=html.escape(APP_NAME))
'''


_STORE = '''"""An in-memory store: enough for a demo and for tests; swap it for a database later."""

from collections.abc import Callable
from threading import Lock
from typing import Generic, TypeVar

ItemT = TypeVar("ItemT")


class MemoryStore(Generic[ItemT]):
    """Items by integer id; ids are never reused while the process lives."""

    def __init__(self) -> None:
        self._items: dict[int, ItemT] = {}
        self._next_id = 1
        self._lock = Lock()
        _STORES.append(self)

    def add(self, make: Callable[[int], ItemT]) -> ItemT:
        with self._lock:
            item = make(self._next_id)
            self._items[self._next_id] = item
            self._next_id += 1
            return item

    def all(self) -> list[ItemT]:
        return list(self._items.values())

    def get(self, item_id: int) -> ItemT | None:
        return self._items.get(item_id)

    def replace(self, item_id: int, item: ItemT) -> bool:
        with self._lock:
            if item_id not in self._items:
                return False
            self._items[item_id] = item
            return True

    def delete(self, item_id: int) -> bool:
        with self._lock:
            return self._items.pop(item_id, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._next_id = 1


_STORES: list[MemoryStore] = []


def reset_stores() -> None:
    """Empty every store (tests start from a clean slate)."""
    for store in _STORES:
        store.clear()
'''


def _feature_module(feature: Feature) -> str:
    p, slug, title = feature.pascal, feature.slug, feature.title
    return f'''"""The {title.lower()} feature: create, list, read, update and delete entries."""

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from app.store import MemoryStore

router = APIRouter(prefix="/api/{slug}", tags=["{slug}"])


class {p}Create(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    details: str = Field(default="", max_length=5000)


class {p}Public({p}Create):
    id: int


class {p}Page(BaseModel):
    items: list[{p}Public]
    total: int


store: MemoryStore[{p}Public] = MemoryStore()


def _get_or_404(item_id: int) -> {p}Public:
    item = store.get(item_id)
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="{title} entry not found")
    return item


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_{feature.snake}(payload: {p}Create) -> {p}Public:
    return store.add(lambda item_id: {p}Public(id=item_id, **payload.model_dump()))


@router.get("")
async def list_{feature.snake}() -> {p}Page:
    items = store.all()
    return {p}Page(items=items, total=len(items))


@router.get("/{{item_id}}")
async def get_{feature.snake}(item_id: int) -> {p}Public:
    return _get_or_404(item_id)


@router.put("/{{item_id}}")
async def update_{feature.snake}(item_id: int, payload: {p}Create) -> {p}Public:
    _get_or_404(item_id)
    item = {p}Public(id=item_id, **payload.model_dump())
    store.replace(item_id, item)
    return item


@router.delete("/{{item_id}}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_{feature.snake}(item_id: int) -> None:
    _get_or_404(item_id)
    store.delete(item_id)
'''


_CONFTEST = '''"""A test client per test, over empty stores."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import app
from app.store import reset_stores


@pytest.fixture
def client() -> Iterator[TestClient]:
    reset_stores()
    with TestClient(app) as test_client:
        yield test_client
'''


def _health_test(features: tuple[Feature, ...]) -> str:
    urls = ", ".join(f'"/api/{f.slug}"' for f in features)
    return f'''"""The service answers its health check, names itself and routes every feature."""

import pytest
from fastapi.testclient import TestClient

from app.main import APP_DESCRIPTION, APP_NAME


def test_health_is_ok(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {{"status": "ok"}}


def test_openapi_names_the_service(client: TestClient) -> None:
    info = client.get("/openapi.json").json()["info"]
    assert info["title"] == APP_NAME
    assert info.get("description", "") == APP_DESCRIPTION


def test_docs_page_escapes_the_name(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "<title>" in response.text
    if "<" in APP_NAME:
        assert APP_NAME not in response.text


@pytest.mark.parametrize("url", [{urls}])
def test_every_feature_is_routed(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 200
'''


def _feature_test(feature: Feature) -> str:
    slug, title = feature.slug, feature.title
    return f'''"""The {title.lower()} feature: create, list, read, update, delete, 404."""

from fastapi.testclient import TestClient

URL = "/api/{slug}"


def _create(client: TestClient, title: str = "First entry") -> dict:
    response = client.post(URL, json={{"title": title, "details": "Written by a test"}})
    assert response.status_code == 201, response.text
    return response.json()


def test_create_returns_the_new_entry(client: TestClient) -> None:
    created = _create(client)
    assert created["title"] == "First entry"
    assert created["details"] == "Written by a test"
    assert isinstance(created["id"], int)


def test_create_rejects_an_empty_title(client: TestClient) -> None:
    assert client.post(URL, json={{"title": ""}}).status_code == 422


def test_list_contains_every_created_entry(client: TestClient) -> None:
    first, second = _create(client, "one"), _create(client, "two")
    page = client.get(URL).json()
    assert page["total"] == 2
    assert [item["id"] for item in page["items"]] == [first["id"], second["id"]]


def test_get_returns_the_entry(client: TestClient) -> None:
    created = _create(client)
    response = client.get(f"{{URL}}/{{created['id']}}")
    assert response.status_code == 200
    assert response.json() == created


def test_get_unknown_entry_is_404(client: TestClient) -> None:
    assert client.get(f"{{URL}}/999999").status_code == 404


def test_update_replaces_the_entry(client: TestClient) -> None:
    created = _create(client)
    response = client.put(f"{{URL}}/{{created['id']}}", json={{"title": "Renamed"}})
    assert response.status_code == 200
    assert client.get(f"{{URL}}/{{created['id']}}").json()["title"] == "Renamed"


def test_delete_removes_the_entry(client: TestClient) -> None:
    created = _create(client)
    assert client.delete(f"{{URL}}/{{created['id']}}").status_code == 204
    assert client.get(f"{{URL}}/{{created['id']}}").status_code == 404
    assert client.delete(f"{{URL}}/{{created['id']}}").status_code == 404
'''


def _pyproject(spec: JobSpec) -> str:
    return f"""[project]
name = "{spec.slug}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["fastapi>=0.115", "uvicorn>=0.30"]

[project.optional-dependencies]
test = ["httpx>=0.27", "pytest>=8"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
addopts = "-ra"
filterwarnings = [
    # Starlette's TestClient suggests httpx2; httpx works.
    "ignore:Using `httpx` with `starlette.testclient`",
]
"""
