// Configuration from SANDBOX_* environment variables (the table in sandbox/README.md), and the
// fixed limits of the API we imitate.

const env = process.env;
export const PROJECT_KEY = env.SANDBOX_PROJECT_KEY || "sandbox";
export const CLIENT_ID = env.SANDBOX_CLIENT_ID || "sandbox-client";
export const CLIENT_SECRET = env.SANDBOX_CLIENT_SECRET || "sandbox-secret";
export const ALLOWED_SCOPES = (env.SANDBOX_SCOPES || `manage_project:${PROJECT_KEY}`)
	.split(/\s+/)
	.filter(Boolean);
export const TOKEN_TTL = Number.parseInt(env.SANDBOX_TOKEN_TTL || "172800", 10);
export const PORT = Number.parseInt(env.SANDBOX_PORT || "0", 10);
export const SEED_PATH = env.SANDBOX_SEED || "";
export const VERBOSE = env.SANDBOX_VERBOSE === "1";
export const EXIT_ON_STDIN_EOF = env.SANDBOX_EXIT_ON_STDIN_EOF === "1";
// fast: collection GETs answered from storage without the mock's handler (default);
// storage: through the mock's handler, our storage; mock: the published mock's query code.
export const QUERY_MODE = env.SANDBOX_QUERY_MODE || "fast";
if (!["fast", "storage", "mock"].includes(QUERY_MODE)) {
	throw new Error(`SANDBOX_QUERY_MODE must be fast, storage or mock, not '${QUERY_MODE}'`);
}

export const MAX_LIMIT = 500;
export const MAX_OFFSET = 10000;
// commercetools caps `total` at the maximum offset once a query has a predicate (2020-10-12).
export const MAX_PREDICATED_TOTAL = MAX_OFFSET;
export const CONTROL_PREFIX = "/_sandbox";
// Query values we smuggle through the mock's `var.*` pass-through down to storage.query.
export const SORT_VAR = "var.__sandbox_sort";
export const WITH_TOTAL_VAR = "var.__sandbox_withTotal";

export const log = (...args) => {
	if (VERBOSE) process.stderr.write(`[sandbox] ${args.join(" ")}\n`);
};
