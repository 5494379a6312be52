// Local commercetools stand-in: @labdigital/commercetools-mock behind an adapter that adds what
// the real API does and the published mock lacks (see /sandbox/README.md for the full contract):
// real client-credential checks and scopes, `sort` before paging, limit/offset caps,
// `withTotal=false`, queries that do not clone the whole store, in-process seeding, fault
// injection and request stats. Configuration comes from SANDBOX_* environment variables.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

import { bearerGrant, checkClient, checkScope, revokeTokens, tokenEndpoint } from "./adapter/auth.mjs";
import {
	ALLOWED_SCOPES,
	CLIENT_ID,
	CONTROL_PREFIX,
	EXIT_ON_STDIN_EOF,
	log,
	MAX_LIMIT,
	MAX_OFFSET,
	PORT,
	PROJECT_KEY,
	QUERY_MODE,
	SEED_PATH,
	SORT_VAR,
	TOKEN_TTL,
	WITH_TOTAL_VAR,
} from "./adapter/config.mjs";
import { addFault, clearFaults, faults, matchingFault, serveFault } from "./adapter/faults.mjs";
import { app, storage } from "./adapter/mock-app.mjs";
import { CommercetoolsError, invalidInput } from "./adapter/mock-internals.mjs";
import { sendJson } from "./adapter/replies.mjs";
import { SEGMENT_TO_TYPE, SERVED_TYPES } from "./adapter/served-types.mjs";
import { parseSort } from "./adapter/sort.mjs";
import { countRequest, resetStats, stats } from "./adapter/stats.mjs";
import { asArray } from "./adapter/storage.mjs";

// ---------------------------------------------------------------------------------------------
// Fast path for collection GETs: same answer as the mock's handler for resource types whose
// repository does not post-process query results, built from cached per-resource JSON. Stored
// objects are replaced (never mutated) on write, so a WeakMap keyed by them stays correct.
// ---------------------------------------------------------------------------------------------

// category: ancestors recomputed per read; extension: secrets masked per read.
const NO_FAST_PATH = new Set(["category", "extension"]);
const jsonCache = new WeakMap();
const jsonOf = (resource) => {
	let bytes = jsonCache.get(resource);
	if (bytes === undefined) {
		bytes = Buffer.from(JSON.stringify(resource));
		jsonCache.set(resource, bytes);
	}
	return bytes;
};
const COMMA = Buffer.from(",");
const TAIL = Buffer.from("]}");

/** The params the mock's collection handler would build, plus sort and withTotal. */
const collectionParams = (query) => {
	const last = (v) => (Array.isArray(v) ? v[v.length - 1] : v);
	const params = {
		where: asArray(query.where),
		sort: query.sort,
		limit: query.limit !== undefined ? Number(last(query.limit)) : undefined,
		offset: query.offset !== undefined ? Number(last(query.offset)) : undefined,
		withTotal: query.withTotal !== undefined ? String(last(query.withTotal)) !== "false" : true,
	};
	for (const key of Object.keys(query)) {
		if (key.startsWith("var.") && !key.startsWith("var.__sandbox_")) {
			const items = asArray(query[key]);
			params[key] = items.length === 1 ? items[0] : items;
		}
	}
	return params;
};

const fastTypeFor = async (projectKey, segments, query) => {
	if (QUERY_MODE !== "fast" || segments.length !== 1 || query.expand !== undefined) return null;
	const typeId = SEGMENT_TO_TYPE[segments[0]];
	if (!typeId || NO_FAST_PATH.has(typeId)) return null;
	// Products get reviewRatingStatistics from the mock once reviews exist.
	if (typeId === "product" && (await storage.count(projectKey, "review")) > 0) return null;
	return typeId;
};

const fastQuery = async (reply, projectKey, typeId, query) => {
	let page;
	try {
		page = await storage.page(projectKey, typeId, collectionParams(query));
	} catch (err) {
		if (err instanceof CommercetoolsError) {
			return sendJson(reply, err.statusCode, {
				statusCode: err.statusCode,
				message: err.message,
				errors: [err.info],
			});
		}
		throw err;
	}
	const { limit, offset, total, items } = page;
	const head = `{"limit":${limit},"offset":${offset},"count":${items.length}${
		total === undefined ? "" : `,"total":${total}`
	},"results":[`;
	const parts = [Buffer.from(head)];
	for (let i = 0; i < items.length; i++) {
		if (i) parts.push(COMMA);
		parts.push(jsonOf(items[i]));
	}
	parts.push(TAIL);
	reply.code(200).header("content-type", "application/json; charset=utf-8");
	return reply.send(Buffer.concat(parts));
};

// ---------------------------------------------------------------------------------------------
// The app
// ---------------------------------------------------------------------------------------------

const PROJECT_DEFAULTS = {
	name: "Sandbox",
	countries: ["DE", "NL", "US", "GB", "FR"],
	currencies: ["EUR", "USD", "GBP"],
	languages: ["en", "de", "nl"],
	createdAt: "2026-01-01T08:00:00.000Z",
	trialUntil: undefined,
	messages: { enabled: true, deleteDaysAfterCreation: 15 },
	version: 1,
};
let projectOverrides = {};

const applyProject = async (overrides) => {
	projectOverrides = { ...projectOverrides, ...overrides };
	const base = await storage.getProject(PROJECT_KEY);
	const project = { ...base, ...PROJECT_DEFAULTS, ...projectOverrides, key: PROJECT_KEY };
	await storage.saveProject(JSON.parse(JSON.stringify(project)));
};

const now = () => new Date().toISOString();

/** Load a seed document ({"project": {...}, "<type id>": [...]}) straight into storage. */
const loadResources = async (doc) => {
	const started = performance.now();
	if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
		throw invalidInput("The load body must be an object of resource type id -> list.");
	}
	for (const [typeId, list] of Object.entries(doc)) {
		if (typeId === "project") continue;
		if (!(typeId in SERVED_TYPES)) {
			const known = Object.keys(SERVED_TYPES).join(", ");
			throw invalidInput(`Unknown or unserved resource type id '${typeId}'. Known: ${known}.`);
		}
		if (!Array.isArray(list)) throw invalidInput(`'${typeId}' must be a list of resources.`);
		if (!list.every((r) => r !== null && typeof r === "object" && !Array.isArray(r))) {
			throw invalidInput(`'${typeId}' entries must be objects.`);
		}
	}
	if (doc.project) await applyProject(doc.project);
	const loaded = {};
	for (const [typeId, list] of Object.entries(doc)) {
		if (typeId === "project") continue;
		const ts = now();
		const clientInfo = { clientId: CLIENT_ID, isPlatformClient: false };
		const prepared = list.map((r) => {
			if (!r.id) r.id = randomUUID();
			r.version ??= 1;
			r.createdAt ??= ts;
			r.lastModifiedAt ??= r.createdAt;
			r.createdBy ??= clientInfo;
			r.lastModifiedBy ??= clientInfo;
			if (typeId === "customer" && typeof r.email === "string") {
				// The mock's email-uniqueness check reads this field.
				r.lowercaseEmail ??= r.email.toLowerCase();
			}
			return r;
		});
		await storage.bulkInsert(PROJECT_KEY, typeId, prepared);
		loaded[typeId] = prepared.length;
	}
	return { loaded, ms: Math.round((performance.now() - started) * 10) / 10 };
};

// --- control endpoints: no auth, no faults, not counted ---------------------------------------

const BIG_BODY = 1024 * 1024 * 1024;

app.register(
	async (control) => {
		control.get("/faults", async () => ({ faults }));
		control.post("/faults", async (request, reply) =>
			reply.status(201).send(addFault(request.body ?? {})),
		);
		control.delete("/faults", async () => ({ cleared: clearFaults() }));
		control.post("/revoke-tokens", async () => ({ revoked: revokeTokens() }));
		control.get("/stats", async () => stats);
		control.post("/stats/reset", async () => {
			resetStats();
			return stats;
		});
		control.post("/load", { bodyLimit: BIG_BODY }, async (request) =>
			loadResources(request.body ?? {}),
		);
		control.post("/reset", { bodyLimit: BIG_BODY }, async (request) => {
			await storage.clear();
			const body = request.body;
			const result = body && Object.keys(body).length ? await loadResources(body) : { loaded: {} };
			return { reset: true, ...result };
		});
		control.get("/info", async () => {
			const counts = {};
			for (const typeId of Object.keys(SERVED_TYPES)) {
				const n = await storage.count(PROJECT_KEY, typeId);
				if (n) counts[typeId] = n;
			}
			return {
				projectKey: PROJECT_KEY,
				clientId: CLIENT_ID,
				scopes: ALLOWED_SCOPES,
				tokenTtl: TOKEN_TTL,
				counts,
				servedTypes: SERVED_TYPES,
			};
		});
	},
	{ prefix: CONTROL_PREFIX },
);

// `GET /<project>/` (what httpx sends for get("") on a base URL): the project, as without "/".
app.get("/:projectKey/", async (request, reply) => {
	const { projectKey } = request.params;
	if (projectKey.startsWith("_")) return reply.callNotFound();
	const project = await storage.getProject(projectKey);
	if (project.externalOAuth?.authorizationHeader) project.externalOAuth.authorizationHeader = "****";
	return reply.send(project);
});

const isControl = (url) => url === CONTROL_PREFIX || url.startsWith(`${CONTROL_PREFIX}/`);

app.addHook("onRequest", async (request, reply) => {
	const url = request.url;
	if (isControl(url)) return;

	countRequest(request, reply);
	reply.header("x-correlation-id", request.headers["x-correlation-id"] || randomUUID());

	// Faults first: a gateway in front of commercetools fails before auth does.
	const rule = matchingFault(request);
	if (rule && (await serveFault(rule, request, reply))) return;

	const path = url.split("?", 1)[0];
	if (path.endsWith("/oauth/token") && path !== "/oauth/token") {
		// A wrong auth URL (e.g. with a path prefix): the auth server has no such endpoint.
		const message = `No endpoint at ${path}: the token endpoint is /oauth/token.`;
		return sendJson(reply, 404, {
			statusCode: 404,
			message,
			errors: [{ code: "ResourceNotFound", message }],
		});
	}
	if (url.startsWith("/oauth/")) {
		// Before the mock's own oauth hooks, which accept any client.
		return checkClient(request, reply);
	}

	const grant = bearerGrant(request, reply);
	if (!grant) return;
	const projectKey = decodeURIComponent(path.split("/")[1] || "");
	if (checkScope(request, reply, grant, projectKey)) return;

	if (request.method === "GET") {
		const query = request.query;
		const one = (v) => (Array.isArray(v) ? v[v.length - 1] : v);
		const limit = one(query.limit);
		const offset = one(query.offset);
		for (const [name, value, max] of [
			["limit", limit, MAX_LIMIT],
			["offset", offset, MAX_OFFSET],
		]) {
			if (value === undefined) continue;
			const n = Number(value);
			if (!Number.isInteger(n) || n < 0 || n > max) {
				const message = `The ${name} must be between 0 and ${max}, got '${value}'.`;
				const body = { statusCode: 400, message, errors: [{ code: "InvalidInput", message }] };
				return sendJson(reply, 400, body);
			}
		}
		// The mock's collection handler forwards only where/limit/offset/expand/var.* to storage.
		if (query.sort !== undefined) {
			try {
				parseSort(query.sort);
			} catch (err) {
				const body = { statusCode: 400, message: err.message, errors: [err.info] };
				return sendJson(reply, 400, body);
			}
			query[SORT_VAR] = query.sort;
		}
		if (query.withTotal !== undefined) query[WITH_TOTAL_VAR] = String(one(query.withTotal));

		const segments = path.split("/").filter(Boolean).slice(1);
		const typeId = await fastTypeFor(projectKey, segments, query);
		if (typeId) return fastQuery(reply, projectKey, typeId, query);
	}
});

/** The stored object a `/<project>/<segment>/<id|key=...>` URL names, or null. */
const addressedResource = async (url) => {
	const segments = url.split("?", 1)[0].split("/").filter(Boolean).map(decodeURIComponent);
	if (segments.length !== 3) return null;
	const [projectKey, segment, ident] = segments;
	const typeId = SEGMENT_TO_TYPE[segment];
	if (!typeId) return null;
	const map = await storage.rawMap(projectKey, typeId);
	if (!ident.startsWith("key=")) return map.get(ident) ?? null;
	const key = ident.slice(4);
	for (const resource of map.values()) if (resource.key === key) return resource;
	return null;
};

const conflict = (reply, resource, expected) => {
	const message =
		`Object ${resource.id} has a different version than expected. ` +
		`Expected: ${expected} - Actual: ${resource.version}.`;
	return sendJson(reply, 409, {
		statusCode: 409,
		message,
		errors: [{ code: "ConcurrentModification", message, currentVersion: resource.version }],
	});
};

// Version checks for API writes; the token endpoint (only grantable scopes, our token store).
app.addHook("preHandler", async (request, reply) => {
	const url = request.url;
	if (!url.startsWith("/oauth/")) {
		// commercetools checks the version of every update and delete; the mock checks it only
		// when an update action changes something, and never on delete.
		const method = request.method;
		if (method !== "POST" && method !== "DELETE") return;
		const expected =
			method === "POST" ? request.body?.version : Number(request.query?.version ?? Number.NaN);
		if (method === "POST" && !Array.isArray(request.body?.actions)) return;
		if (!Number.isInteger(expected)) return;
		const resource = await addressedResource(url);
		if (resource && resource.version !== expected) return conflict(reply, resource, expected);
		return;
	}
	// Credentials were checked in onRequest; customer/anonymous token flows stay the mock's.
	if (request.routeOptions.url !== "/oauth/token") return;
	return tokenEndpoint(request, reply);
});

// withTotal=false also for endpoints that do not go through storage.query (product projections).
app.addHook("preSerialization", async (request, _reply, payload) => {
	if (
		request.query?.[WITH_TOTAL_VAR] === "false" &&
		payload &&
		typeof payload === "object" &&
		Array.isArray(payload.results) &&
		"total" in payload
	) {
		const { total: _omit, ...rest } = payload;
		return rest;
	}
	return payload;
});

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

const shutdown = async (code = 0) => {
	try {
		await app.close();
	} finally {
		process.exit(code);
	}
};
process.on("SIGTERM", () => shutdown(0));
process.on("SIGINT", () => shutdown(0));
if (EXIT_ON_STDIN_EOF) {
	// The Python wrapper holds our stdin: when it dies, so do we (no orphans).
	process.stdin.on("end", () => shutdown(0));
	process.stdin.on("error", () => shutdown(0));
	process.stdin.resume();
}

async function main() {
	await applyProject({});
	let seeded = {};
	let seedMs = 0;
	if (SEED_PATH) {
		const started = performance.now();
		const doc = JSON.parse(readFileSync(SEED_PATH, "utf8"));
		const result = await loadResources(doc);
		seeded = result.loaded;
		seedMs = Math.round((performance.now() - started) * 10) / 10;
	}
	await app.listen({ port: PORT, host: "127.0.0.1" });
	const port = app.server.address().port;
	log(`listening on http://127.0.0.1:${port}/${PROJECT_KEY}`);
	process.stdout.write(
		`${JSON.stringify({ event: "ready", port, projectKey: PROJECT_KEY, seeded, seedMs })}\n`,
	);
}

main().catch((err) => {
	process.stderr.write(`[sandbox] failed to start: ${err?.stack ?? err}\n`);
	process.exit(1);
});
