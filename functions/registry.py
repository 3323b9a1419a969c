"""Route groups as data.

CDK builds one Lambda function and its API Gateway routes per entry, with exactly the
grants listed; the local runtime mounts the same groups behind the same routing rules.
Importing this module is free: it names modules, it does not import them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from shared.db.tables import TABLES

TableAccess = Literal["describe", "read", "read_write"]
BucketAccess = Literal["list", "read", "read_write"]
# Teams' LLM provider keys in Secrets Manager (`<prefix>/teams/*`): read them to call a
# provider, or manage them (create, replace, delete) as the provider routes do.
ProviderKeyAccess = Literal["read", "manage"]
# Notification channels' secrets in Secrets Manager (`<prefix>/channels/*`): read them to
# deliver through a channel, or manage them (create, replace, delete) as the channel routes do.
ChannelSecretAccess = Literal["read", "manage"]
# SSH connections' credentials in Secrets Manager (`<prefix>/ssh/*`): read them to connect
# (the runner), or manage them (create, replace, delete) as the connection routes do.
SshSecretAccess = Literal["read", "manage"]
# The secrets vault's values in Secrets Manager (`<prefix>/vault/*`): read them to use a
# secret by name (`{{secrets.NAME}}`, shared.vault.references), or manage them (create,
# rotate, delete, reveal) as the secrets routes do.
VaultSecretAccess = Literal["read", "manage"]

API_BASES: tuple[str, ...] = ("/api/v1", "/api")


@dataclass(frozen=True, slots=True)
class RouteGroup:
    """A route group: one folder in functions/, one Lambda function, one FastAPI app."""

    name: str
    description: str
    # Prefixes under each API base: routed as `<base>/<prefix>` and `<base>/<prefix>/{proxy+}`.
    prefixes: tuple[str, ...] = ()
    # Exact paths routed to this group as they are (no base prepended).
    exact_paths: tuple[str, ...] = ()
    # Prefixes routed at the root, outside the API bases (`/<prefix>` and
    # `/<prefix>/{proxy+}`): a protocol that fixes its own paths (the AI Market's
    # `/ai-market/*` and `/capabilities/*`).
    root_prefixes: tuple[str, ...] = ()
    # The group that answers every path no other group claims (API Gateway's $default).
    default_route: bool = False
    tables: dict[str, TableAccess] = field(default_factory=dict)
    bucket: BucketAccess | None = None
    # May put events on the domain event bus (EventBridge).
    publishes_events: bool = False
    # May start, stop, resume and fail executions of the generation state machine.
    controls_executions: bool = False
    # May start and stop executions of the workflows state machine (workflow runs).
    runs_workflows: bool = False
    # May answer the workflows state machine's task tokens (SendTaskSuccess/Failure/
    # Heartbeat): whatever ends a workflow step's task, approval or wait.
    answers_workflow_tokens: bool = False
    # Verifies access tokens: reads the signing key secret.
    authenticates: bool = True
    # Signs tokens: may create the signing key on first use and reads the admin key secret.
    signs_tokens: bool = False
    provider_keys: ProviderKeyAccess | None = None
    channel_secrets: ChannelSecretAccess | None = None
    ssh_secrets: SshSecretAccess | None = None
    vault_secrets: VaultSecretAccess | None = None
    # Sends e-mail through Amazon SES (notification channels), from the sender setting.
    sends_email: bool = False
    # Queues (shared.queues keys) it may send to; CDK grants SendMessage and sets
    # QUEUE_URL_<KEY> for each.
    sends_to: tuple[str, ...] = ()
    # May create, update and delete schedules in the product's schedule group and pass the
    # role they run with (as `WorkerFunction.manages_schedules`): schedule triggers.
    manages_schedules: bool = False
    # Worker functions (registry names) it invokes synchronously through Lambda's Invoke
    # (shared.invoke): CDK grants lambda:InvokeFunction on exactly those functions. The
    # sandbox that runs user code, say, which the calling group never runs in its process.
    invokes: tuple[str, ...] = ()
    # Reads the state of every queue and state machine of the stack (GET /settings/health):
    # GetQueueUrl and GetQueueAttributes on the product's queues, DescribeStateMachine on its
    # state machines; tables and bucket are asked for in `tables` and `bucket` as usual.
    checks_health: bool = False
    # Answers where live events are (the service info's `live_url`): CDK sets LIVE_URL, the
    # WebSocket API's URL (infra/constructs/live.py).
    announces_live_url: bool = False
    # Dependency layers beyond core (and tokens, which `authenticates` brings): see
    # layers/build.py for what each holds.
    extra_layers: tuple[str, ...] = ()
    memory_mb: int = 512
    timeout_seconds: int = 29

    @property
    def package(self) -> str:
        return f"functions.{self.name}"

    @property
    def app_module(self) -> str:
        return f"{self.package}.app"

    @property
    def handler(self) -> str:
        """The Lambda handler string, relative to the function's code root."""
        return f"{self.package}.handler.handler"

    def route_paths(self) -> tuple[str, ...]:
        """Every API Gateway route path (method ANY) that reaches this group."""
        paths: list[str] = list(self.exact_paths)
        for root in self._prefix_roots():
            paths += [root, f"{root}/{{proxy+}}"]
        return tuple(dict.fromkeys(paths))

    def _prefix_roots(self) -> list[str]:
        """Every path a prefix of this group is routed at: under each base, and at the root."""
        roots = [f"{base}/{prefix}" for base in API_BASES for prefix in self.prefixes]
        return roots + [f"/{prefix}" for prefix in self.root_prefixes]

    def claims(self, path: str) -> bool:
        """Whether one of this group's routes matches `path` (its $default aside)."""
        return self.match_length(path) is not None

    def match_length(self, path: str) -> int | None:
        """How specific this group's best route for `path` is (None: no route matches): an
        exact path beats every prefix, a longer prefix a shorter one, as API Gateway picks
        the most specific route (`/admin/workers/{proxy+}` over `/admin/{proxy+}`)."""
        if path in self.exact_paths:
            return len(path) + 1_000_000
        best: int | None = None
        for root in self._prefix_roots():
            if (path == root or path.startswith(root + "/")) and len(root) > (best or -1):
                best = len(root)
        return best


# Served at the root and under both bases (probes, browsers and clients all look there).
HEALTH_PATHS = ("health", "healthz", "readyz", "ready", "openapi.json", "docs")

HEALTH = RouteGroup(
    name="health",
    description="liveness, readiness, service info, the merged OpenAPI document",
    exact_paths=(
        *API_BASES,
        *(f"{base}/{path}" for base in ("", *API_BASES) for path in HEALTH_PATHS),
    ),
    default_route=True,
    announces_live_url=True,
    # Readiness proves the tables and the bucket answer: describe and list only, no data access.
    tables={table.key: "describe" for table in TABLES},
    bucket="list",
    authenticates=False,
    memory_mb=256,
    timeout_seconds=10,
)

# Checking a caller reads the identity table (API keys, agent tokens) and writes it (their
# last use, the agent-auth rate limit): every group that authenticates lists it.
IDENTITY_FOR_AUTH: dict[str, TableAccess] = {"identity": "read_write"}

AUTH = RouteGroup(
    name="auth",
    description="accounts, sessions, MFA, service tokens, public keys, API keys and agent "
    "tokens, team administration and the audit log",
    # GET /permissions: the team's permission denials, read from the audit log; POST
    # /log/client: a client's log entry (seed 002), rate-limited in the identity table.
    prefixes=("auth", "security", "admin", "permissions", "log"),
    exact_paths=tuple(f"{base}/.well-known/jwks.json" for base in ("", *API_BASES)),
    # A new team gets its default agents at registration. The admin form (PUT
    # /admin/users/{id}) sets an account's allowance, kept with the costs (seed 002).
    tables={**IDENTITY_FOR_AUTH, "agents": "read_write", "costs": "read_write"},
    signs_tokens=True,
    # argon2id, TOTP and the QR code of its URI (layers/build.py).
    extra_layers=("accounts",),
    # Memory buys CPU, and sizes argon2id: 1024 MB gives m=64 MiB, t=2, ~140 ms of a full
    # core per hash here (measured); 19 MiB would be ~40 ms.
    memory_mb=1024,
)

JOBS = RouteGroup(
    name="jobs",
    description="generation jobs and projects: start, follow, cancel, retry, browse, download",
    prefixes=("jobs", "projects"),
    # The estimate prices each phase at its agent's model (agents, providers); a new job
    # takes the team's approval gates and repair attempts when it names none (events; the
    # team settings are read with the budget, whose values two of them are: costs).
    tables={
        **IDENTITY_FOR_AUTH,
        "jobs": "read_write",
        "idempotency": "read_write",
        "agents": "read",
        "providers": "read",
        "events": "read",
        "costs": "read",
        # POST /jobs/{ref}/publish: the product, its release and the listing (storefront);
        # its screenshots must be the team's image files (data).
        "storefront": "read_write",
        "data": "read",
    },
    bucket="read_write",
    publishes_events=True,
    controls_executions=True,
)

APPROVALS = RouteGroup(
    name="approvals",
    description="human in the loop: approve, reject or send back a gated phase; requests "
    "anyone opens (POST /approvals), decided the same way; code reviews",
    prefixes=("approvals", "hitl", "checkpoints", "experiences", "code-reviews"),
    # Approving a job's budget approval may raise the team's budget or a user's allowance;
    # a rejection follows the team's on_reject setting (events). A request's callback
    # endpoint is checked, and its decision delivered there (events: endpoints, deliveries).
    # Code reviews and their comments (work).
    tables={
        **IDENTITY_FOR_AUTH,
        "jobs": "read_write",
        "costs": "read_write",
        "events": "read_write",
        "work": "read_write",
    },
    bucket="read_write",
    publishes_events=True,
    controls_executions=True,
    # A workflow approval step's request answers its step's task token when decided.
    answers_workflow_tokens=True,
    sends_to=("webhook-deliveries",),
)


# What a group that runs user code needs (shared/sandbox/client.py): the sandbox itself
# and the connectors' worker (the tools the code calls), and for its `tools.llm` the router:
# providers and their breakers, the cost ledger and budgets (costs), the team's settings
# (events), the provider keys. Spread into the entry: `**RUNS_CODE.tables`, ...
@dataclass(frozen=True, slots=True)
class CodeRunning:
    tables: dict[str, TableAccess]
    provider_keys: ProviderKeyAccess
    invokes: tuple[str, ...]


RUNS_CODE = CodeRunning(
    tables={"providers": "read_write", "costs": "read_write", "events": "read"},
    provider_keys="read",
    # The code's mcp and http tools go through the connectors' worker.
    invokes=("sandbox", "connector_runner"),
)

AGENTS = RouteGroup(
    name="agents",
    description="agents (phase and code agents), their per-phase configs and memories; test "
    "calls through the router; generate-code; deployments",
    # GET /deployments: the team's deployed agents (shared.deployments, in the agents table).
    prefixes=("agents", "deployments"),
    # A test call goes through the router: providers (and their breakers), the cost ledger
    # and budgets, the team's settings; the first config read creates the default agents.
    # POST /agents/run-code runs code in the sandbox (RUNS_CODE).
    tables={
        **IDENTITY_FOR_AUTH,
        **RUNS_CODE.tables,
        "agents": "read_write",
        "providers": "read_write",
        "costs": "read_write",
        "events": "read",
        # A tool's `{{secrets.NAME}}` must name one of the team's secrets (the vault's
        # metadata); the connector_runner resolves it. A test call adds the agent's
        # knowledge category to its prompt: the index's pointer (data).
        "data": "read",
    },
    # The knowledge index's segments (shared.knowledge.search).
    bucket="read",
    publishes_events=True,
    provider_keys=RUNS_CODE.provider_keys,
    invokes=RUNS_CODE.invokes,
    # A code agent's input and output schemas are checked as JSON Schemas (jsonschema).
    extra_layers=("schemas",),
)

# Public: a deployed agent's own key (or none, for a public deployment) is the credential
# (no token check, no tokens layer). Each call runs the agent's code in the sandbox
# (RUNS_CODE), counts against the deployment's rate limit (identity: the sliding logs) and
# monthly quota (agents: the usage counters), and is metered in the ledger (costs).
REST = RouteGroup(
    name="rest",
    description="deployed agents: POST /rest/<friendly_name> runs one, its OpenAPI document",
    prefixes=("rest",),
    tables={
        **RUNS_CODE.tables,
        "agents": "read_write",
        "identity": "read_write",
    },
    authenticates=False,
    provider_keys=RUNS_CODE.provider_keys,
    invokes=RUNS_CODE.invokes,
)

PROVIDERS = RouteGroup(
    name="providers",
    description="a team's LLM providers and their keys, the model catalog, circuit breakers",
    prefixes=("providers", "models", "circuit-breakers"),
    # A provider in use by an agent or named by the team's settings cannot be deleted (the
    # settings are read with the team budget: costs).
    tables={
        **IDENTITY_FOR_AUTH,
        "providers": "read_write",
        "agents": "read",
        "events": "read",
        "costs": "read",
    },
    publishes_events=True,
    provider_keys="manage",
)

COSTS = RouteGroup(
    name="costs",
    description="cost pages from pre-aggregated rollups, budgets, per-user usage and allowance",
    prefixes=("costs",),
    # Only the caller's own profile and usage paths (seed 002's /users/me family): a `users`
    # prefix would claim every /users/* path.
    exact_paths=tuple(
        f"{base}/users/me{path}"
        for base in API_BASES
        for path in (
            "",
            "/usage",
            "/monthly-allowance",
            "/spend-remaining",
            "/allowance-reset-date",
            "/reset-allowance",
        )
    ),
    tables={**IDENTITY_FOR_AUTH, "costs": "read_write", "jobs": "read", "agents": "read"},
)

SETTINGS = RouteGroup(
    name="settings",
    description="typed team settings (also by category and key, in bulk), system status, "
    "dependency health, KPIs, and wiping a team's data through the team_wipe worker",
    prefixes=("settings", "system", "kpis"),
    # The daily limit and alert thresholds are the budget's (one source of truth); a wipe's
    # record and claim (events) and its audit entries (identity). GET /settings/health
    # describes every table (read includes DescribeTable) and heads the bucket.
    tables={
        **IDENTITY_FOR_AUTH,
        "events": "read_write",
        "costs": "read_write",
        "jobs": "read",
        "agents": "read",
        "providers": "read",
        "work": "describe",
        "data": "describe",
        "idempotency": "describe",
    },
    bucket="list",
    checks_health=True,
    # A wipe is a message to the team_wipe worker.
    sends_to=("team-wipes",),
)

WEBHOOKS = RouteGroup(
    name="webhooks",
    description="outbound webhooks and their deliveries; inbound webhook sources and events",
    prefixes=("webhooks",),
    # Endpoints, subscriptions, deliveries; sources and their events (events); a large
    # inbound payload is read through a presigned URL, which the function signs (bucket
    # read).
    tables={**IDENTITY_FOR_AUTH, "events": "read_write"},
    bucket="read",
    # A test delivery is recorded on its endpoint, which may disable it (an event).
    publishes_events=True,
    # Redelivery and recovery queue attempts.
    sends_to=("webhook-deliveries",),
)

# Public: an outside system's signature is its credential (no token check, no tokens layer).
HOOKS = RouteGroup(
    name="hooks",
    description="inbound webhooks: signed events from outside systems, verified, deduplicated "
    "and queued",
    prefixes=("hooks",),
    # The source's lookup and replay claims (events); the per-address rate limit (identity).
    tables={"events": "read_write", "identity": "read_write"},
    # A body too large for SQS travels by reference: hooks/<team>/<source>/<event>.json.
    bucket="read_write",
    authenticates=False,
    sends_to=("hook-events",),
    memory_mb=512,
    timeout_seconds=10,
)

# Admin only: what the event, delivery and inbound paths could not handle.
DEAD_LETTER = RouteGroup(
    name="dead_letter",
    description="the dead-letter queue: list, add, retry into the queue of origin, delete, stats",
    prefixes=("dead-letter",),
    tables={**IDENTITY_FOR_AUTH, "events": "read_write"},
    # A retry sends an item's payload back to the work queue it came from: any of them.
    sends_to=(
        "bus-events",
        "webhook-deliveries",
        "hook-events",
        "live-events",
        "trigger-fires",
        "trigger-events",
        "notification-deliveries",
        "notification-events",
        "chat-tickets",
        "task-runs",
        "workflow-steps",
        "knowledge-index",
        "team-wipes",
        "payment-events",
        "discovery-runs",
    ),
)

# What running a trigger's action touches (shared/triggers/actions.py): a job started as
# POST /jobs starts one, an agent run through the router, a webhook delivery queued, a task
# created or a workflow run started (work).
TRIGGER_ACTION_TABLES: dict[str, TableAccess] = {
    "events": "read_write",
    "jobs": "read_write",
    "work": "read_write",
    "idempotency": "read_write",
    "agents": "read_write",
    "providers": "read_write",
    "costs": "read_write",
    # A run_agent prompt's `{{secrets.NAME}}`: checked when written, resolved when run.
    "data": "read",
}

TRIGGERS = RouteGroup(
    name="triggers",
    description="scheduled and event triggers: CRUD, toggle, history, fire one now",
    prefixes=("triggers",),
    tables={**IDENTITY_FOR_AUTH, **TRIGGER_ACTION_TABLES},
    # A manual fire runs the action here, as the runner does.
    publishes_events=True,
    controls_executions=True,
    # A run_workflow action starts the workflow interpreter's execution.
    runs_workflows=True,
    provider_keys="read",
    # A run_agent prompt's secrets used by name, put in when the action runs.
    vault_secrets="read",
    # A run_agent action's knowledge category: the index's segments (its pointer is in
    # data, TRIGGER_ACTION_TABLES), as the runner reads them.
    bucket="read",
    # Missed fires replayed on enabling; a webhook action's delivery; a create_task
    # action's run.
    sends_to=("trigger-fires", "webhook-deliveries", "task-runs"),
    # One EventBridge Scheduler schedule per schedule trigger, written with the trigger.
    manages_schedules=True,
    # Cron expressions and time zones are read here (and by the runner) alone.
    extra_layers=("schedules",),
)

NOTIFICATIONS = RouteGroup(
    name="notifications",
    description="a user's inbox and preferences, the team's notification rules and channels",
    prefixes=("notifications",),
    # Inbox items, rules and their index, preferences, channels (events); a rule's user
    # recipient must be an account of the team (identity).
    # A channel's `{{secrets.NAME}}` must name one of the team's secrets (data).
    tables={**IDENTITY_FOR_AUTH, "events": "read_write", "data": "read"},
    # Channels' secrets (Slack and webhook URLs, Telegram tokens) are written, replaced and
    # deleted with their channels; a channel's test is sent from here (e-mail through SES),
    # with the vault's secrets it uses by name.
    channel_secrets="manage",
    vault_secrets="read",
    sends_email=True,
)

CHAT = RouteGroup(
    name="chat",
    description="async chat tickets answered through the router, a user's session "
    "configurations and conversations",
    prefixes=("chat", "sessions"),
    # Tickets, sessions, conversations (work); a provider and model named are checked
    # against the team's providers, and the default provider is a team setting (events,
    # read with the budget: costs).
    tables={
        **IDENTITY_FOR_AUTH,
        "work": "read_write",
        "providers": "read",
        "events": "read",
        "costs": "read",
    },
    # Each ticket is a message on chat-tickets.
    sends_to=("chat-tickets",),
)

TASKS = RouteGroup(
    name="tasks",
    description="tasks for agents and people: CRUD, stats, cancel; boards; agents checking "
    "in on a board and listing its tasks",
    prefixes=("tasks", "boards", "agent"),
    # Tasks, boards, presence (work); a task's agent must be the team's (agents).
    tables={**IDENTITY_FOR_AUTH, "work": "read_write", "agents": "read"},
    # task.created / task.updated / task.failed (a cancel); a workflow's task answered.
    publishes_events=True,
    answers_workflow_tokens=True,
    # A task for an agent in the cloud is a message on task-runs.
    sends_to=("task-runs",),
)

WORKFLOWS = RouteGroup(
    name="workflows",
    description="workflows and their steps (dependencies checked for cycles), templates copied",
    prefixes=("workflows",),
    # Workflows with their steps inline, runs and their steps (work); a step's agent must
    # be the team's (agents).
    tables={**IDENTITY_FOR_AUTH, "work": "read_write", "agents": "read"},
    # workflow.run.started / .cancelled; a cancel cancels the run's running tasks
    # (task.updated), whose tokens are then answered.
    publishes_events=True,
    runs_workflows=True,
    answers_workflow_tokens=True,
)

FLEET = RouteGroup(
    name="fleet",
    description="workers: register, heartbeat, the queued tasks of their agents (claim, "
    "complete), the fleet overview; admins list and approve them",
    # More specific than auth's `admin`: the registry routes the longest prefix.
    prefixes=("workers", "admin/workers"),
    # Workers and the tasks they pull (work); the agents that run on a worker (agents).
    tables={**IDENTITY_FOR_AUTH, "work": "read_write", "agents": "read"},
    # worker.online; task.updated / task.completed / task.failed as a worker works.
    publishes_events=True,
    # A workflow step's task finished on a worker answers the run's task token.
    answers_workflow_tokens=True,
)

MESSAGES = RouteGroup(
    name="messages",
    description="agent-to-agent messages with channels and read marks, collaboration sessions",
    prefixes=("messages", "collaboration"),
    # Messages and collaboration sessions (work); both agents of a message, and every
    # participant of a session, must be the team's (agents).
    tables={**IDENTITY_FOR_AUTH, "work": "read_write", "agents": "read"},
    # message.new, collaboration.message, collaboration.closed.
    publishes_events=True,
)

MARKETPLACE = RouteGroup(
    name="marketplace",
    description="shipped templates: list, read, install (their agents, workflows and "
    "triggers made in the team, once)",
    prefixes=("marketplace",),
    # Installs and the workflows they make (work); agents (agents); triggers and their
    # event index, and a GitHub template's inbound source checked (events).
    tables={
        **IDENTITY_FOR_AUTH,
        "work": "read_write",
        "agents": "read_write",
        "events": "read_write",
    },
    # A schedule trigger's EventBridge Scheduler schedule targets trigger-fires (and
    # dead-letters into its DLQ), written with the trigger as POST /triggers does.
    sends_to=("trigger-fires",),
    manages_schedules=True,
    # Schedules are checked (cron, time zones) before anything is made.
    extra_layers=("schedules",),
)

DEMOS = RouteGroup(
    name="demos",
    description="demo apps: a page generated through the router that calls the team's "
    "deployed APIs, stored (CRUD) and served from S3 by presigned URL under a CSP",
    prefixes=("demos",),
    # Demos sit with the team's other work products (tasks, workflows, reviews): work.
    # A selected API's deployment and its agent's input schema (agents); generating goes
    # through the router: providers and their breakers, the ledger and budgets (costs),
    # the team's settings (events).
    tables={
        **IDENTITY_FOR_AUTH,
        "work": "read_write",
        "agents": "read",
        "providers": "read_write",
        "costs": "read_write",
        "events": "read",
    },
    # Each demo's page (demos/<team>/<demo>/v<version>/index.html), written, presigned
    # and deleted here.
    bucket="read_write",
    # demo.created / demo.updated / demo.deleted.
    publishes_events=True,
    provider_keys="read",
)

# Admin only: the team's own machines. The group stores connections and their credentials
# and never opens one: test and execute are the runner's (SSH_RUNNER below).
SSH = RouteGroup(
    name="ssh",
    description="SSH connections to the team's machines: CRUD with the credential in "
    "Secrets Manager, test and execute through the SSH runner, host keys pinned",
    prefixes=("ssh-connections",),
    # Connections sit with the team's other configured things (workers, demos): work. The
    # audit log (identity) is IDENTITY_FOR_AUTH's table.
    tables={**IDENTITY_FOR_AUTH, "work": "read_write"},
    # Each connection's credential is written, replaced and deleted with it.
    ssh_secrets="manage",
    invokes=("ssh_runner",),
)

# A team's MCP servers' tools and OpenAPI documents (seed 002 MCP connectors, Specs): the
# group never reaches them; the connector_runner does (its URL policy, its timeout). No
# table beyond authentication's: nothing is stored.
CONNECTORS = RouteGroup(
    name="connectors",
    description="MCP servers' tools and OpenAPI documents' operations, through the "
    "connector_runner",
    prefixes=("mcp", "specs"),
    tables={**IDENTITY_FOR_AUTH},
    invokes=("connector_runner",),
)

# A team's uploaded files (seed 003 Files): metadata in the data table, bytes in the
# artifacts bucket at <team>/files/<file>, uploaded through S3 presigned POSTs (S3's
# policy checks type and size) or directly for small files (python-multipart, in core).
FILES = RouteGroup(
    name="files",
    description="uploaded files: presigned POST and direct uploads, metadata, lists by task "
    "or job, downloads, presigned URLs, deletes",
    prefixes=("files",),
    # Files, pending uploads and their count (data); the task (work) or job (jobs) a file
    # is attached to must be the team's.
    tables={**IDENTITY_FOR_AUTH, "data": "read_write", "work": "read", "jobs": "read"},
    # Presigned POSTs and GETs are signed with this function's role: it must be allowed
    # to put and get what they reach; direct uploads, downloads and deletes.
    bucket="read_write",
)

# A team's knowledge base (seed 003): entries in the data table, ranked search over the
# team's SQLite FTS5 index (shared/knowledge), which only the knowledge_indexer writes.
KNOWLEDGE = RouteGroup(
    name="knowledge",
    description="knowledge base entries (CRUD) and their ranked full-text search with "
    "highlights, over the team's SQLite FTS5 index",
    prefixes=("knowledge",),
    # Entries, their count and the index's version pointer (data).
    tables={**IDENTITY_FOR_AUTH, "data": "read_write"},
    # The index's segments (<team>/knowledge-index/...), read into /tmp by name.
    bucket="read",
    # Each write is a message to the team's single index writer.
    sends_to=("knowledge-index",),
)

# Admin only: a team's named secrets. Values in Secrets Manager (`vault_secrets`), metadata
# in the data table; a reveal checks the admin's TOTP (pyotp: the accounts layer) and is
# audited (identity). Other functions use a secret by name with the read grant alone.
SECRETS = RouteGroup(
    name="secrets",
    description="the secrets vault: CRUD with values in Secrets Manager, rotate, expiring, "
    "an audited reveal (admin, fresh TOTP)",
    prefixes=("secrets",),
    tables={**IDENTITY_FOR_AUTH, "data": "read_write"},
    vault_secrets="manage",
    extra_layers=("accounts",),
)

# The public storefront (issue 17): listed products, categories and a product's page, no
# sign-in. Products, the listing and its counters (storefront); a product page's screenshots
# are the team's files (data), presigned from the bucket.
PRODUCTS = RouteGroup(
    name="products",
    description="the public storefront: listed products (categories, search, paging), "
    "categories with counts, a listed product's page",
    prefixes=("products",),
    tables={"storefront": "read", "data": "read"},
    bucket="read",
    authenticates=False,
    memory_mb=512,
    timeout_seconds=10,
)

# Storefront customers (issue 17): accounts of their own, signed in with tokens of their own
# audience (signed with the platform's key: signs_tokens), argon2id passwords (accounts),
# per-address limits (identity); customers, sign-ins and entitlements, and the products
# they claim or download (storefront); a download is a presigned GET of a release's ZIP.
CUSTOMERS = RouteGroup(
    name="customers",
    description="storefront customers: register, sign in, refresh, entitlements (free "
    "products claimed), downloads of what a customer is entitled to",
    prefixes=("customer",),
    tables={"identity": "read_write", "storefront": "read_write"},
    bucket="read",
    authenticates=False,
    signs_tokens=True,
    extra_layers=("accounts",),
    # argon2id's memory is sized to the function's, as the auth function's.
    memory_mb=1024,
)

# Payments (issue 17): a customer's checkout (customer tokens: tokens), the seller's orders
# and refunds (team tokens), the team's provider settings and its inbound hook source
# (events: the source and its lookup), and the built-in test provider's hosted page, whose
# payment goes through the inbound path as the provider's signed event (events: replay
# claims; identity: /hooks' per-address limit; the bucket: a large payload; hook-events).
# Orders, settings, the test provider's checkouts (storefront); the product bought and the
# customer's entitlements (storefront); Idempotency-Key (idempotency). A team on Stripe:
# the stripe_caller worker makes the calls (it alone reads the key and ships the library).
PAYMENTS = RouteGroup(
    name="payments",
    description="payments: a customer's checkout of a product, the seller's orders and "
    "refunds, the payment provider's settings, the built-in test provider's page",
    prefixes=("payment",),
    tables={
        **IDENTITY_FOR_AUTH,
        "storefront": "read_write",
        "events": "read_write",
        "idempotency": "read_write",
    },
    bucket="read_write",
    sends_to=("hook-events",),
    invokes=("stripe_caller",),
)

# Support chat (issue 17): a visitor's sessions on listed products (storefront: sessions;
# the product, read), their messages the seller team's chat conversations and tickets
# (work), answered through the seller's router by the chat_runner: the product's support
# agent (agents) or the team's default provider (events: settings; providers), queued on
# chat-tickets. Per-address limits and the queue's admins (identity).
SUPPORT = RouteGroup(
    name="support",
    description="support chat: a visitor's sessions on a listed product with their token, "
    "messages answered by the product's support agent, escalation; the seller's queue",
    prefixes=("support", "admin/support-queue"),
    tables={
        **IDENTITY_FOR_AUTH,
        "storefront": "read_write",
        "work": "read_write",
        "agents": "read",
        "providers": "read",
        "events": "read",
        "costs": "read",
    },
    sends_to=("chat-tickets",),
    # dashboard.metrics when a session opens, is escalated or closes.
    publishes_events=True,
)

# The AI Market v1 (issue 17): the protocol's paths at the root (`/ai-market/*`,
# `/capabilities/*`, `/.well-known/ai-market.json`) and under the bases as every route.
# Capabilities are listed products (storefront); a paid call is taken from a payment
# channel (storefront), funded by an order through the seller's provider, and a channel's
# close refunds through it: the test provider's event goes through the inbound path
# (events: the source and replay claims; identity: /hooks' per-address limit and this
# group's; the bucket: a large payload and the release's download link; hook-events).
# The manifest is signed with the platform's key (signs_tokens). A seller on Stripe: the
# stripe_caller worker makes the calls.
AI_MARKET = RouteGroup(
    name="ai_market",
    description="the AI Market v1: crawl manifest, signed tool catalog, plans from a "
    "request, capability calls paid from payment channels, pipelines' bills of materials",
    prefixes=("ai-market", "capabilities"),
    root_prefixes=("ai-market", "capabilities"),
    exact_paths=tuple(f"{base}/.well-known/ai-market.json" for base in ("", *API_BASES)),
    # A deployed agent's call runs as the rest group's does (RUNS_CODE, its usage counted
    # in the agents table, where the market's index of public deployments is too).
    tables={
        **RUNS_CODE.tables,
        "identity": "read_write",
        "storefront": "read_write",
        "events": "read_write",
        "agents": "read_write",
    },
    bucket="read_write",
    authenticates=False,
    signs_tokens=True,
    sends_to=("hook-events",),
    provider_keys=RUNS_CODE.provider_keys,
    invokes=(*RUNS_CODE.invokes, "stripe_caller"),
)

# Product feedback (issue 17, seed 000 `/api/feedback/*`): ratings of listed products
# (public, per address: identity; an optional customer token: tokens), their counters and
# the seller's moderation (storefront); the product rated and the rater's entitlement
# (storefront).
FEEDBACK = RouteGroup(
    name="feedback",
    description="product feedback: ratings of listed products (an account's one per "
    "product, verified buyers), their summary, the seller's list and moderation",
    prefixes=("feedback",),
    tables={**IDENTITY_FOR_AUTH, "storefront": "read_write"},
)

# Seed 000's marketing endpoints (issue 17, `/api/marketing/*`): the listing's highlights and
# a listed product's share card (storefront; its screenshot presigned: data, the bucket),
# updates subscriptions and their counters (storefront), each confirmed by the address it
# names (sends_email: the confirmation through SES), per-address limits (identity); the
# seller's counts and confirmed addresses (team tokens).
MARKETING = RouteGroup(
    name="marketing",
    description="storefront marketing: highlights, share cards, updates subscriptions "
    "with double opt-in, the seller's subscribers",
    prefixes=("marketing",),
    tables={**IDENTITY_FOR_AUTH, "storefront": "read_write", "data": "read"},
    bucket="read",
    sends_email=True,
)

# Storefront telemetry (issue 17): product pages' client batches in (public, per address:
# identity), one object per seller and batch in the bucket, counters per product, day and
# event name (storefront); a seller reads its product's counters.
TELEMETRY = RouteGroup(
    name="telemetry",
    description="storefront telemetry: client event batches (size-capped, per address), "
    "kept per seller and counted; a product's counts for its seller",
    prefixes=("telemetry",),
    tables={**IDENTITY_FOR_AUTH, "storefront": "read_write"},
    bucket="read_write",
)

# The admin product lifecycle (issue 17, seed 000's admin rows): a product from an idea
# starts its job as POST /jobs does (jobs, its settings: events, costs; the job's execution
# started and its event published), the products and releases (storefront), screenshots
# the team's files (data), a support agent the team's (agents).
PRODUCT_ADMIN = RouteGroup(
    name="product_admin",
    description="the admin product lifecycle: products from ideas (their jobs started), "
    "batches, the team's products, storefront copy and settings, follow-ups, releases",
    prefixes=("admin/products", "admin/pipeline", "admin/release"),
    tables={
        **IDENTITY_FOR_AUTH,
        "storefront": "read_write",
        "jobs": "read_write",
        "agents": "read",
        "events": "read",
        "costs": "read",
        "data": "read",
    },
    publishes_events=True,
    controls_executions=True,
)

# The admin dashboard and discovery runs (issue 17, seed 000's admin rows): figures from
# the products', payments' and support's counters (storefront), runs kept in the team's
# partition (storefront) and queued (discovery-runs).
PRODUCT_DASHBOARD = RouteGroup(
    name="product_dashboard",
    description="the admin dashboard: figures from counters, the metrics stream (SSE), "
    "discovery runs of product ideas",
    prefixes=("admin/dashboard", "admin/metrics", "admin/discovery"),
    tables={**IDENTITY_FOR_AUTH, "storefront": "read_write"},
    sends_to=("discovery-runs",),
)

# Sandbox previews (issue 17): a listed web product's release site unpacked once into the
# bucket (read the ZIP, put the files) and served through presigned links; previews and the
# unpacked mark (storefront); the per-address limit (identity).
PREVIEWS = RouteGroup(
    name="previews",
    description="sandbox previews: a listed web product's built site under a per-preview "
    "URL that expires",
    prefixes=("sandbox",),
    tables={"identity": "read_write", "storefront": "read_write"},
    bucket="read_write",
    authenticates=False,
)

# The team's figures (seed 003 Analytics), exports and Prometheus metrics: read from
# counters and daily rollups (shared/analytics), never by reading every item.
ANALYTICS = RouteGroup(
    name="analytics",
    description="analytics from counters and daily rollups, exports (json, csv, xlsx) of "
    "tasks, agents, jobs and costs, the team's Prometheus metrics",
    prefixes=("analytics", "exports", "metrics"),
    # Prometheus looks for /metrics at the root (served by the /api/v1 route).
    exact_paths=("/metrics",),
    # Tasks, their rollups and the fleet's workers (work); agents; the jobs' counters and
    # jobs (jobs); the cost ledger and its rollups (costs). Exports read each table's rows.
    tables={
        **IDENTITY_FOR_AUTH,
        "work": "read",
        "agents": "read",
        "jobs": "read",
        "costs": "read",
    },
    # A large export is put under exports/<team>/ and handed out by presigned GET.
    bucket="read_write",
    # xlsxwriter (xlsx exports) and prometheus-client (/metrics).
    extra_layers=("reports",),
    # Memory buys CPU: an export of 100,000 rows is written within the API's 29 s.
    memory_mb=1024,
)

GROUPS: tuple[RouteGroup, ...] = (
    HEALTH,
    AUTH,
    JOBS,
    APPROVALS,
    AGENTS,
    PROVIDERS,
    COSTS,
    SETTINGS,
    WEBHOOKS,
    HOOKS,
    DEAD_LETTER,
    TRIGGERS,
    NOTIFICATIONS,
    CHAT,
    TASKS,
    WORKFLOWS,
    FLEET,
    MESSAGES,
    MARKETPLACE,
    DEMOS,
    REST,
    CONNECTORS,
    SSH,
    FILES,
    KNOWLEDGE,
    SECRETS,
    ANALYTICS,
    PRODUCTS,
    CUSTOMERS,
    PAYMENTS,
    SUPPORT,
    AI_MARKET,
    TELEMETRY,
    FEEDBACK,
    MARKETING,
    PRODUCT_ADMIN,
    PREVIEWS,
    PRODUCT_DASHBOARD,
)


@dataclass(frozen=True, slots=True)
class WorkerFunction:
    """A function invoked by AWS, not by HTTP: by Step Functions, a schedule or a queue."""

    name: str
    description: str
    handler: str
    tables: dict[str, TableAccess] = field(default_factory=dict)
    bucket: BucketAccess | None = None
    # May put events on the domain event bus (EventBridge).
    publishes_events: bool = False
    # May resume, fail and stop executions of the generation state machine.
    controls_executions: bool = False
    # As on `RouteGroup`: workflow runs' executions, and their task tokens.
    runs_workflows: bool = False
    answers_workflow_tokens: bool = False
    # Run every this many minutes by EventBridge Scheduler (None: not scheduled).
    schedule_minutes: int | None = None
    # Token flags, as on `RouteGroup`; AWS invokes a worker and no caller presents a token,
    # so both default to False.
    authenticates: bool = False
    signs_tokens: bool = False
    provider_keys: ProviderKeyAccess | None = None
    channel_secrets: ChannelSecretAccess | None = None
    ssh_secrets: SshSecretAccess | None = None
    vault_secrets: VaultSecretAccess | None = None
    # Finds a team's secrets of every kind by name (ListSecrets, which IAM cannot narrow)
    # and deletes them: providers' keys, channels', SSH connections', the vault's (a wipe).
    wipes_team_secrets: bool = False
    # Sends e-mail through Amazon SES (notification channels), from the sender setting.
    sends_email: bool = False
    # Queues (shared.queues keys) it may send to, as on `RouteGroup`.
    sends_to: tuple[str, ...] = ()
    # Queues whose event-source mapping invokes it (a queue's key, or a dead-letter
    # queue's `<key>-dlq`), with partial batch failures reported.
    consumes: tuple[str, ...] = ()
    # May create and delete one-time schedules in the product's schedule group (waits
    # longer than SQS's 15 minutes) and pass the role they run with.
    manages_schedules: bool = False
    # Posts to (and closes) WebSocket connections through the API Gateway Management API:
    # CDK grants execute-api:ManageConnections on the WebSocket API only and sets
    # LIVE_CONNECTIONS_URL, its endpoint (infra/constructs/live.py).
    manages_connections: bool = False
    # Dependency layers beyond core (and tokens, which `authenticates` brings): see
    # layers/build.py for what each holds.
    extra_layers: tuple[str, ...] = ()
    # Worker functions it invokes synchronously (as `RouteGroup.invokes`).
    invokes: tuple[str, ...] = ()
    # Runs in the stack's isolated subnets (no NAT, no internet gateway, a security group
    # with no egress) without X-Ray: no way out of the VPC, and a role that can only write
    # its logs (infra/constructs/sandbox.py). For code we did not write.
    isolated_network: bool = False
    # Secrets Manager's rotation function for the token signing key (CDK wires the schedule
    # and the grants rotation needs on that one secret).
    rotates_signing_key: bool = False
    memory_mb: int = 1024
    timeout_seconds: int = 300

    @property
    def package(self) -> str:
        return self.handler.rsplit(".", 2)[0]


# Runs one phase of a generation job per invocation; Step Functions calls it.
PIPELINE_WORKER = WorkerFunction(
    name="pipeline",
    description="generation phases: model calls, real checks, artifacts in S3, job events",
    handler="functions.pipeline.handler.handler",
    # Model calls go through the team's router: each phase's agent and the team's settings,
    # providers (and their breakers), the cost ledger and budgets, the provider keys. The
    # reviewer phase opens the job's code review (work). A passed job a product waits on
    # becomes its next release (storefront; the ZIP copied in the bucket).
    tables={
        "jobs": "read_write",
        "agents": "read",
        "providers": "read_write",
        "costs": "read_write",
        "events": "read",
        "work": "read_write",
        "storefront": "read_write",
    },
    bucket="read_write",
    publishes_events=True,
    provider_keys="read",
    # Phases run the generated project's own tests (pytest) and read pubspec.yaml (pyyaml).
    extra_layers=("yaml", "checks"),
    # Phases run the generated project's own tests; memory buys CPU in Lambda.
    memory_mb=2048,
    timeout_seconds=600,
)

# Gives every job an end state: settles active jobs whose execution has ended.
RECONCILER = WorkerFunction(
    name="reconciler",
    description="settles jobs whose execution ended without recording it",
    handler="functions.reconciler.handler.handler",
    tables={"jobs": "read_write"},
    publishes_events=True,
    controls_executions=True,
    schedule_minutes=5,
    memory_mb=256,
    timeout_seconds=120,
)

# Rotates the token signing key every SIGNING_KEY_ROTATION_DAYS; tokens signed with the
# old key stay valid (the JWKS keeps its public half until they have all expired).
KEY_ROTATION = WorkerFunction(
    name="key_rotation",
    description="rotates the token signing key (Secrets Manager rotation function)",
    handler="functions.key_rotation.handler.handler",
    # Builds and checks EC keys and their JWKs: cryptography and pyjwt.
    extra_layers=("tokens",),
    rotates_signing_key=True,
    memory_mb=256,
    timeout_seconds=60,
)
SIGNING_KEY_ROTATION_DAYS = 30

# Applies each verified event of a team's payment provider to its order (payment-events):
# paid (the customer's entitlement granted), expired, refunded (taken back). Orders and
# entitlements (storefront); the stored event (events; a large one in the bucket); once
# per event (idempotency).
PAYMENT_EVENTS = WorkerFunction(
    name="payment_events",
    description="applies a payment provider's verified events to orders and entitlements",
    handler="functions.payment_events.handler.handler",
    tables={"storefront": "read_write", "events": "read", "idempotency": "read_write"},
    bucket="read",
    consumes=("payment-events",),
    # dashboard.metrics when an order moves (shared.dashboard.live).
    publishes_events=True,
    memory_mb=256,
    timeout_seconds=60,
)

# Stores each inbound message /hooks accepted and announces it (hook.received).
HOOK_INGEST = WorkerFunction(
    name="hook_ingest",
    description="stores accepted inbound webhook events and publishes hook.received",
    handler="functions.hook_ingest.handler.handler",
    # Events and the source's lookup (events); once per event id (idempotency).
    tables={"events": "read_write", "idempotency": "read_write"},
    # A payload over the inline limit is kept in S3.
    bucket="read_write",
    publishes_events=True,
    consumes=("hook-events",),
    # A payments source's events also go to the payments worker (shared/hooks/ingest.py).
    sends_to=("payment-events",),
    memory_mb=256,
    timeout_seconds=60,
)

# Matches each domain event (bus rule -> bus-events) to the team's webhook subscriptions.
WEBHOOK_FANOUT = WorkerFunction(
    name="webhook_fanout",
    description="matches domain events to webhook subscriptions and queues their deliveries",
    handler="functions.webhook_fanout.handler.handler",
    # Subscriptions read, deliveries written (events); once per event id (idempotency).
    tables={"events": "read_write", "idempotency": "read_write"},
    sends_to=("webhook-deliveries",),
    consumes=("bus-events",),
    memory_mb=256,
    timeout_seconds=60,
)

# Makes one signed attempt per webhook-deliveries message and schedules the next.
WEBHOOK_DELIVERY = WorkerFunction(
    name="webhook_delivery",
    description="sends signed webhook deliveries, records each attempt, schedules retries",
    handler="functions.webhook_delivery.handler.handler",
    # Endpoints and deliveries (events); once per delivery and attempt (idempotency).
    tables={"events": "read_write", "idempotency": "read_write"},
    # An endpoint failing for 5 days is disabled and says so (webhook.endpoint.disabled).
    publishes_events=True,
    # A retry within 15 minutes is a delayed message, a longer wait a one-time schedule (a
    # delivery out of attempts becomes a dead-letter item: events table).
    sends_to=("webhook-deliveries",),
    consumes=("webhook-deliveries",),
    manages_schedules=True,
    memory_mb=256,
    # A batch of 5 attempts of 15 s each at most.
    timeout_seconds=100,
)

# Keeps every message of a dead-letter queue as a dead-letter item of its team.
DEAD_LETTER_ARCHIVER = WorkerFunction(
    name="dead_letter_archiver",
    description="archives dead-letter queue messages as dead-letter items an admin can retry",
    handler="functions.dead_letter_archiver.handler.handler",
    # Items and their counts (events); once per SQS message id (idempotency). A dead
    # task run, chat ticket or workflow wait is settled failed (work) and says so (an
    # event, a workflow's task token answered): shared/dead_letter/settlers.py.
    # A dead discovery run is failed too (storefront).
    tables={
        "events": "read_write",
        "idempotency": "read_write",
        "work": "read_write",
        "storefront": "read_write",
    },
    publishes_events=True,
    answers_workflow_tokens=True,
    # Every work queue's dead-letter queue (shared.queues), and the bus's own
    # (shared.queues.BUS_DEAD_LETTER_KEY: what the bus rule and schedules could not deliver).
    consumes=(
        "bus-events-dlq",
        "webhook-deliveries-dlq",
        "hook-events-dlq",
        "trigger-fires-dlq",
        "trigger-events-dlq",
        "live-events-dlq",
        "notification-deliveries-dlq",
        "notification-events-dlq",
        "chat-tickets-dlq",
        "task-runs-dlq",
        "workflow-steps-dlq",
        "knowledge-index-dlq",
        "team-wipes-dlq",
        "payment-events-dlq",
        "discovery-runs-dlq",
        "dead-letter",
    ),
    memory_mb=256,
    timeout_seconds=60,
)

# Pushes each domain event (bus rule -> live-events) to the team's WebSocket connections
# whose subscriptions match it.
LIVE_PUSH = WorkerFunction(
    name="live_push",
    description="pushes domain events to the team's subscribed WebSocket connections",
    handler="functions.live_push.handler.handler",
    # The team's connections (events: gsi1 Query; a gone one is deleted). No idempotency
    # record: a push repeated by a redelivery is a duplicate hint on a socket, not a second
    # effect worth two DynamoDB writes per event (shared/live/push.py).
    tables={"events": "read_write"},
    consumes=("live-events",),
    manages_connections=True,
    memory_mb=256,
    timeout_seconds=30,
)

# Runs each fire of a trigger (trigger-fires: its schedule, a matching event, a replay, a
# queued fire) at most once, with its overlap policy, history and auto-pause.
TRIGGER_RUNNER = WorkerFunction(
    name="trigger_runner",
    description="runs trigger fires once each: overlap policy, action, history, auto-pause",
    handler="functions.trigger_runner.handler.handler",
    tables=TRIGGER_ACTION_TABLES,
    # An inbound sender's body too large for the fire's message is read again from its
    # event, or from the bucket (hooks/) when it was too large for the event's item.
    bucket="read",
    publishes_events=True,
    controls_executions=True,
    # A run_workflow action starts the workflow interpreter's execution.
    runs_workflows=True,
    provider_keys="read",
    # A run_agent prompt's secrets used by name, put in when the action runs.
    vault_secrets="read",
    # A queued fire comes back later (send_later); a webhook action's delivery; a
    # create_task action's run.
    sends_to=("trigger-fires", "webhook-deliveries", "task-runs"),
    consumes=("trigger-fires",),
    # Pausing a trigger disables its schedule; a queued fire may wait past 15 minutes.
    manages_schedules=True,
    extra_layers=("schedules",),
    memory_mb=512,
    timeout_seconds=60,
)

# Matches each domain event (bus rule -> trigger-events) to the team's event triggers and
# queues one fire per trigger it fires.
TRIGGER_MATCHER = WorkerFunction(
    name="trigger_matcher",
    description="matches domain events to the team's event triggers and queues their fires",
    handler="functions.trigger_matcher.handler.handler",
    # The triggers' index items and an inbound event's body (events); once per event id
    # (idempotency). A body too large for its item is in the bucket (hooks/).
    tables={"events": "read", "idempotency": "read_write"},
    bucket="read",
    sends_to=("trigger-fires",),
    consumes=("trigger-events",),
    memory_mb=256,
    timeout_seconds=60,
)

# Makes one attempt per notification-deliveries message (e-mail, Slack, Telegram, webhook
# channels) and schedules the next, or dead-letters the delivery after the last.
NOTIFICATION_DELIVERY = WorkerFunction(
    name="notification_delivery",
    description="delivers notifications through channels, records each attempt, retries",
    handler="functions.notification_delivery.handler.handler",
    # Channels and deliveries, dead-letter items (events); once per delivery and attempt
    # (idempotency); the vault's metadata for a channel's `{{secrets.NAME}}` (data).
    tables={"events": "read_write", "idempotency": "read_write", "data": "read"},
    channel_secrets="read",
    vault_secrets="read",
    sends_email=True,
    # A retry within 15 minutes is a delayed message, a longer wait a one-time schedule.
    sends_to=("notification-deliveries",),
    consumes=("notification-deliveries",),
    manages_schedules=True,
    memory_mb=256,
    # A batch of 5 attempts of 15 s each at most.
    timeout_seconds=100,
)

# Turns each domain event (bus rule -> notification-events) into inbox items and channel
# deliveries by the team's notification rules.
NOTIFIER = WorkerFunction(
    name="notifier",
    description="matches domain events to notification rules: inbox items, channel deliveries",
    handler="functions.notifier.handler.handler",
    # Rules, inbox items and counts, preferences, channels, an inbound event's body
    # (events); the team's users and roles (identity); once per event id (idempotency). A
    # body too large for its item is in the bucket (hooks/), for `payload.*` filters.
    tables={"events": "read_write", "identity": "read", "idempotency": "read_write"},
    bucket="read",
    sends_to=("notification-deliveries",),
    consumes=("notification-events",),
    memory_mb=256,
    timeout_seconds=60,
)

# Answers each chat ticket (chat-tickets) through the team's router, once.
CHAT_RUNNER = WorkerFunction(
    name="chat_runner",
    description="answers chat tickets through the router and appends replies to conversations",
    handler="functions.chat_runner.handler.handler",
    # Tickets and conversations (work); the router: providers and their breakers, the cost
    # ledger and budgets, the team's settings (events); once per ticket (idempotency).
    tables={
        "work": "read_write",
        "providers": "read_write",
        "costs": "read_write",
        "events": "read",
        "idempotency": "read_write",
    },
    publishes_events=True,
    provider_keys="read",
    consumes=("chat-tickets",),
    memory_mb=512,
    # Two model calls (the provider and the fallback), each waiting at most 125 s.
    timeout_seconds=300,
)

# Carries each discovery run (discovery-runs) to its end, once: product ideas asked of
# the team's default provider through the router (providers and their breakers, the cost
# ledger and budgets, the team's settings: events), kept on the run (storefront); with
# create_product a product started per idea as POST /admin/products/create starts one
# (its job: jobs, the job's execution started and its event published).
DISCOVERY_RUNNER = WorkerFunction(
    name="discovery_runner",
    description="asks the team's default provider for product ideas and starts products from them",
    handler="functions.discovery_runner.handler.handler",
    tables={
        "storefront": "read_write",
        "jobs": "read_write",
        "providers": "read_write",
        "costs": "read_write",
        "events": "read",
        "agents": "read",
        "data": "read",
        "idempotency": "read_write",
    },
    publishes_events=True,
    controls_executions=True,
    provider_keys="read",
    consumes=("discovery-runs",),
    memory_mb=512,
    # Two model calls (the provider and the fallback), each waiting at most 125 s.
    timeout_seconds=300,
)

# Runs each queued task (task-runs) through its agent on the team's router, once.
TASK_RUNNER = WorkerFunction(
    name="task_runner",
    description="runs queued tasks through their agents on the router and stores the results",
    handler="functions.task_runner.handler.handler",
    # Tasks (work); the agent (agents); the router: providers and their breakers, the cost
    # ledger and budgets, the team's settings (events); once per task (idempotency).
    tables={
        "work": "read_write",
        "agents": "read",
        "providers": "read_write",
        "costs": "read_write",
        "events": "read",
        "idempotency": "read_write",
        # The agent's knowledge category for its prompt: the index's pointer (data) and
        # segments (bucket), shared.knowledge.search.
        "data": "read",
    },
    bucket="read",
    publishes_events=True,
    provider_keys="read",
    # A workflow step's task answers the run's task token when it ends.
    answers_workflow_tokens=True,
    consumes=("task-runs",),
    memory_mb=512,
    # Two model calls (the provider and the fallback), each waiting at most 125 s.
    timeout_seconds=300,
)

WORKFLOW_STEP = WorkerFunction(
    name="workflow_step",
    description="a workflow run's steps as the workflows state machine asks: wait on "
    "dependencies, start by type, record the end, release dependents, settle the run",
    handler="functions.workflow_step.handler.handler",
    # Runs and their steps, an agent_task step's task (work); its agent (agents); an
    # approval step's request, beside the jobs' approvals (jobs).
    tables={"work": "read_write", "agents": "read", "jobs": "read_write"},
    # workflow.run.completed / .failed; a task's events.
    publishes_events=True,
    # Releases steps (their Ready tokens) and answers a webhook or a zero wait at once.
    answers_workflow_tokens=True,
    # A task for an agent in the cloud is a message on task-runs; a wait step's end, a
    # delayed message on workflow-steps (a one-time schedule beyond SQS's 15 minutes).
    sends_to=("task-runs", "workflow-steps"),
    manages_schedules=True,
    memory_mb=256,
    # One webhook call (10 s) at most.
    timeout_seconds=30,
)

# Answers a wait step's task token when its delayed message (workflow-steps) arrives.
WORKFLOW_RUNNER = WorkerFunction(
    name="workflow_runner",
    description="ends workflow wait steps when their delayed messages arrive",
    handler="functions.workflow_runner.handler.handler",
    # The step's reason noted on a failure (work); once per message (idempotency).
    tables={"work": "read_write", "idempotency": "read_write"},
    answers_workflow_tokens=True,
    consumes=("workflow-steps",),
    memory_mb=256,
    timeout_seconds=30,
)

# Marks offline the workers whose last heartbeat is over 90 s old (a sparse index of
# online workers by heartbeat, never a Scan) and puts their running tasks back in the queue.
FLEET_SWEEP = WorkerFunction(
    name="fleet_sweep",
    description="marks silent workers offline and requeues their running tasks",
    handler="functions.fleet_sweep.handler.handler",
    tables={"work": "read_write"},
    # worker.offline; task.updated for each task put back.
    publishes_events=True,
    schedule_minutes=1,
    memory_mb=256,
    timeout_seconds=60,
)

# Runs user code (POST /agents/run-code, deployed agents) in a child process with limits:
# no tables, no bucket, no events, no secrets, no network; the JSON Schemas of its input and
# output are checked here (jsonschema). Invoked synchronously (shared/sandbox/client.py).
SANDBOX = WorkerFunction(
    name="sandbox",
    description="runs user code in a child process with CPU, memory and time limits, "
    "no network and no grants; checks its input and output schemas",
    handler="functions.sandbox.handler.handler",
    isolated_network=True,
    extra_layers=("schemas",),
    # The child's address space is capped at 256 MB (shared/sandbox/runner.py).
    memory_mb=512,
    # The code's limit is at most 20 s (shared/sandbox/worker.py), plus the child's start.
    timeout_seconds=25,
)

# Talks to a team's MCP servers (the official mcp SDK over Streamable HTTP) and fetches and
# calls the APIs of imported OpenAPI documents: the only function that does, each URL
# through the outbound policy. No bucket, no other secrets, no writes: its one grant reads
# the vault secrets a tool uses by name (an MCP auth_token, an HTTP tool's headers), found
# by their names' claims in the data table. Invoked synchronously
# (shared/connectors/client.py).
CONNECTOR_RUNNER = WorkerFunction(
    name="connector_runner",
    description="lists and calls MCP servers' tools, fetches and validates OpenAPI "
    "documents and calls their operations, through the outbound URL policy",
    handler="functions.connector_runner.handler.handler",
    # mcp (connectors) needs cryptography (tokens); openapi-spec-validator needs jsonschema
    # (schemas); PyYAML reads YAML documents (yaml).
    extra_layers=("tokens", "schemas", "yaml", "connectors"),
    tables={"data": "read"},
    vault_secrets="read",
    memory_mb=512,
    # An MCP session 20 s at most, a request 10 s (shared/connectors): under the group's 29 s.
    timeout_seconds=30,
)

# Opens the SSH connections of the ssh group's test and execute, one per invocation: the
# only function that does. Reads the connection's credential (the version its item names),
# checks the host against the outbound policy and connects to the address it checked; no
# tables (the group pins host keys and audits).
SSH_RUNNER = WorkerFunction(
    name="ssh_runner",
    description="opens SSH connections for the ssh group: host key checked against the "
    "pin, a command run with a timeout, its output capped",
    handler="functions.ssh_runner.handler.handler",
    ssh_secrets="read",
    # asyncssh, stacked on tokens (cryptography).
    extra_layers=("tokens", "ssh"),
    memory_mb=256,
    # A command runs 20 s at most, its connection 5 s (shared/ssh/domain.py): the group
    # waits under API Gateway's 30 s, so a runner running longer would answer no one.
    timeout_seconds=30,
)

# Stripe's calls for the payments and AI Market groups (a checkout session, a refund, a
# key's check), one per synchronous invocation: the only function that reads a seller's
# Stripe key (its vault secret: data for the name, vault_secrets for the value) and ships
# the stripe library (the payments layer: ~3 MB zipped, which would take the payments
# group past its size budget beside tokens). Stripe's answers are its own events' business.
STRIPE_CALLER = WorkerFunction(
    name="stripe_caller",
    description="calls Stripe for the payments and AI Market groups: checkout sessions, "
    "refunds, a key's check, with the seller's key from its vault",
    handler="functions.stripe_caller.handler.handler",
    tables={"data": "read"},
    vault_secrets="read",
    extra_layers=("payments",),
    memory_mb=256,
    # Three attempts at Stripe of 8 s at most each (shared/payments/providers/stripe.py),
    # under the groups' 29 s.
    timeout_seconds=30,
)

# The single writer of each team's knowledge index (knowledge-index: FIFO, one message
# group per team): applies entries' changes to the index's delta segment, merges it into
# a new base past a threshold, publishes the new version (shared/knowledge/indexer.py).
KNOWLEDGE_INDEXER = WorkerFunction(
    name="knowledge_indexer",
    description="applies knowledge base changes to the team's SQLite FTS5 index (a base "
    "and a delta segment in S3) and publishes its new version",
    handler="functions.knowledge_indexer.handler.handler",
    # Entries read at apply time and the version pointer written (data). No idempotency
    # record: applying an entry's current state twice leaves the same index.
    tables={"data": "read_write"},
    bucket="read_write",
    consumes=("knowledge-index",),
    # A merge rebuilds the base in /tmp: memory buys the CPU it runs on.
    memory_mb=1024,
    timeout_seconds=120,
)

# Deletes a team's data (POST /settings/wipe), one wipe at a time per team, each part of
# it once: its triggers' schedules, its secrets of every kind, its S3 objects, its items in
# every table but identity and idempotency (a Scan per table: no per-team index lists them
# all; never on a request path), then its default agents again. Accounts, keys and the
# audit log stay.
TEAM_WIPE = WorkerFunction(
    name="team_wipe",
    description="wipes a team's data (settings wipe): schedules, secrets, S3 objects, "
    "table items, then its default agents; never accounts, keys or the audit log",
    handler="functions.team_wipe.handler.handler",
    # The tables it wipes; the wipe's record (events); its audit entry (identity: the
    # audit log alone is written); once per wipe part (idempotency).
    tables={
        "jobs": "read_write",
        "agents": "read_write",
        "providers": "read_write",
        "costs": "read_write",
        "events": "read_write",
        "work": "read_write",
        "data": "read_write",
        "storefront": "read_write",
        "identity": "read_write",
        "idempotency": "read_write",
    },
    # Lists the team's prefixes and deletes their objects.
    bucket="read_write",
    # Deletes the team's triggers' schedules.
    manages_schedules=True,
    # The team's secrets of every kind, found by name (ListSecrets) and deleted.
    wipes_team_secrets=True,
    consumes=("team-wipes",),
    # A wipe longer than one invocation continues in a new message.
    sends_to=("team-wipes",),
    memory_mb=512,
    # Lambda's longest: a large team's Scans run as long as they may before continuing.
    timeout_seconds=900,
)

WORKERS: tuple[WorkerFunction, ...] = (
    PIPELINE_WORKER,
    RECONCILER,
    KEY_ROTATION,
    HOOK_INGEST,
    WEBHOOK_FANOUT,
    WEBHOOK_DELIVERY,
    DEAD_LETTER_ARCHIVER,
    TRIGGER_RUNNER,
    TRIGGER_MATCHER,
    LIVE_PUSH,
    NOTIFICATION_DELIVERY,
    NOTIFIER,
    CHAT_RUNNER,
    TASK_RUNNER,
    WORKFLOW_STEP,
    WORKFLOW_RUNNER,
    FLEET_SWEEP,
    SANDBOX,
    CONNECTOR_RUNNER,
    SSH_RUNNER,
    STRIPE_CALLER,
    KNOWLEDGE_INDEXER,
    TEAM_WIPE,
    PAYMENT_EVENTS,
    DISCOVERY_RUNNER,
)


@dataclass(frozen=True, slots=True)
class SocketFunction:
    """A function behind the WebSocket API (`/ws`): API Gateway invokes it for each of its
    `routes` (`$connect`, `$disconnect`, `$default`), and what it returns for a message is
    the reply on the socket (a two-way route). CDK builds the API, its `ws` stage and the
    routes from these entries (infra/constructs/live.py); the local runtime serves the same
    routes with `websockets` and invokes the same handler (tools/local/live.py)."""

    name: str
    description: str
    handler: str
    routes: tuple[str, ...] = ("$connect", "$disconnect", "$default")
    tables: dict[str, TableAccess] = field(default_factory=dict)
    bucket: BucketAccess | None = None
    publishes_events: bool = False
    controls_executions: bool = False
    # `$connect` checks the access token or API key a client presents.
    authenticates: bool = True
    signs_tokens: bool = False
    provider_keys: ProviderKeyAccess | None = None
    # Closes a connection whose first message fails to authenticate (and says why first).
    manages_connections: bool = True
    extra_layers: tuple[str, ...] = ()
    memory_mb: int = 256
    # API Gateway waits at most 29 s for a WebSocket route's integration.
    timeout_seconds: int = 29

    @property
    def package(self) -> str:
        return self.handler.rsplit(".", 2)[0]


LIVE_SOCKET = SocketFunction(
    name="live",
    description="live events over WebSocket: authenticate, subscribe, ping",
    handler="functions.live.handler.handler",
    # Connections and their subscriptions (events); a job subscribed to must be the
    # team's (jobs); API keys are checked against the identity table.
    tables={**IDENTITY_FOR_AUTH, "events": "read_write", "jobs": "read"},
)

SOCKETS: tuple[SocketFunction, ...] = (LIVE_SOCKET,)

# The generation state machine's name suffix: `<resource_prefix>-generation`.
GENERATION_STATE_MACHINE = "generation"
# The workflows interpreter state machine's: `<resource_prefix>-workflows`.
WORKFLOWS_STATE_MACHINE = "workflows"

GROUPS_BY_NAME: dict[str, RouteGroup] = {group.name: group for group in GROUPS}


def group_for_path(path: str) -> RouteGroup:
    """The group API Gateway routes `path` to: the one with the most specific route for
    it, else the default."""
    best: tuple[int, RouteGroup] | None = None
    for group in GROUPS:
        length = group.match_length(path)
        if length is not None and (best is None or length > best[0]):
            best = (length, group)
    if best is not None:
        return best[1]
    return next(group for group in GROUPS if group.default_route)
