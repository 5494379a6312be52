// The project resource and loading seed documents straight into storage (no HTTP, no clones).
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

import { CLIENT_ID, PROJECT_KEY } from "./config.mjs";
import { storage } from "./mock-app.mjs";
import { invalidInput } from "./mock-internals.mjs";
import { SERVED_TYPES } from "./served-types.mjs";

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
// Every seed's project overrides so far, merged: a later seed changes only what it names.
let projectOverrides = {};

/** Store the project: the mock's, our realistic defaults, then every override given so far. */
export const applyProject = async (overrides) => {
	projectOverrides = { ...projectOverrides, ...overrides };
	const base = await storage.getProject(PROJECT_KEY);
	const project = { ...base, ...PROJECT_DEFAULTS, ...projectOverrides, key: PROJECT_KEY };
	await storage.saveProject(JSON.parse(JSON.stringify(project)));
};

const now = () => new Date().toISOString();

/** 400 unless `doc` is an object of served type id (or "project") -> list of objects. */
const checkSeed = (doc) => {
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
};

/** Fill what a stored resource needs and the seed left out (in place). */
const prepare = (typeId, list) => {
	const ts = now();
	const clientInfo = { clientId: CLIENT_ID, isPlatformClient: false };
	return list.map((r) => {
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
};

/** Load a seed document ({"project": {...}, "<type id>": [...]}) straight into storage. */
export const loadResources = async (doc) => {
	const started = performance.now();
	checkSeed(doc);
	if (doc.project) await applyProject(doc.project);
	const loaded = {};
	for (const [typeId, list] of Object.entries(doc)) {
		if (typeId === "project") continue;
		const prepared = prepare(typeId, list);
		await storage.bulkInsert(PROJECT_KEY, typeId, prepared);
		loaded[typeId] = prepared.length;
	}
	return { loaded, ms: Math.round((performance.now() - started) * 10) / 10 };
};

/** Load the seed file at `path` (SANDBOX_SEED): what was loaded and the time it took. */
export const loadSeedFile = async (path) => {
	const started = performance.now();
	const doc = JSON.parse(readFileSync(path, "utf8"));
	const result = await loadResources(doc);
	return { seeded: result.loaded, seedMs: Math.round((performance.now() - started) * 10) / 10 };
};
