// Control endpoints under /_sandbox: no auth, no faults, not counted.
import { revokeTokens } from "./auth.mjs";
import { ALLOWED_SCOPES, CLIENT_ID, CONTROL_PREFIX, PROJECT_KEY, TOKEN_TTL } from "./config.mjs";
import {
	clearDeliveryFaults,
	deliveries,
	resetDeliveryStats,
	setDeliveryFaults,
} from "./delivery-faults.mjs";
import { addFault, clearFaults, faults } from "./faults.mjs";
import { forgetSequences } from "./messages.mjs";
import { storage } from "./mock-app.mjs";
import { loadResources } from "./seeding.mjs";
import { SERVED_TYPES } from "./served-types.mjs";
import { arrivals, resetStats, stats } from "./stats.mjs";

const BIG_BODY = 1024 * 1024 * 1024;

/** GET /info: the configuration and how many resources of each type are stored. */
const info = async () => {
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
};

/** POST /reset: empty the storage, then load the body if it is a non-empty seed document. */
const reset = async (request) => {
	await storage.clear();
	forgetSequences();
	const body = request.body;
	const result = body && Object.keys(body).length ? await loadResources(body) : { loaded: {} };
	return { reset: true, ...result };
};

const controlRoutes = async (control) => {
	control.get("/faults", async () => ({ faults }));
	control.post("/faults", async (request, reply) =>
		reply.status(201).send(addFault(request.body ?? {})),
	);
	control.delete("/faults", async () => {
		clearDeliveryFaults();
		return { cleared: clearFaults() };
	});
	control.get("/deliveries", async () => deliveries());
	control.post("/deliveries/faults", async (request) => ({
		faults: setDeliveryFaults(request.body ?? {}),
	}));
	control.delete("/deliveries/faults", async () => ({ faults: clearDeliveryFaults() }));
	control.post("/revoke-tokens", async () => ({ revoked: revokeTokens() }));
	control.get("/stats", async () => stats);
	control.get("/arrivals", async () => ({ arrivals }));
	control.post("/stats/reset", async () => {
		resetStats();
		resetDeliveryStats();
		return stats;
	});
	control.post("/load", { bodyLimit: BIG_BODY }, async (request) =>
		loadResources(request.body ?? {}),
	);
	control.post("/reset", { bodyLimit: BIG_BODY }, reset);
	control.get("/info", info);
};

export const registerControl = (app) => app.register(controlRoutes, { prefix: CONTROL_PREFIX });

export const isControl = (url) => url === CONTROL_PREFIX || url.startsWith(`${CONTROL_PREFIX}/`);
