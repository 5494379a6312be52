// Fast path for collection GETs: same answer as the mock's handler for resource types whose
// repository does not post-process query results, built from cached per-resource JSON. Stored
// objects are replaced (never mutated) on write, so a WeakMap keyed by them stays correct.
import { QUERY_MODE } from "./config.mjs";
import { storage } from "./mock-app.mjs";
import { CommercetoolsError } from "./mock-internals.mjs";
import { sendJson } from "./replies.mjs";
import { SEGMENT_TO_TYPE } from "./served-types.mjs";
import { asArray } from "./storage.mjs";

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

/** Whether the mock adds reviewRatingStatistics to products: a review counts in them. */
const reviewsCount = async (projectKey) => {
	if ((await storage.count(projectKey, "review")) === 0) return false;
	for (const review of (await storage.rawMap(projectKey, "review")).values()) {
		const counted = review.includedInStatistics && review.rating !== undefined;
		if (counted && review.target?.typeId === "product") return true;
	}
	return false;
};

const fastTypeFor = async (projectKey, segments, query) => {
	if (QUERY_MODE !== "fast" || segments.length !== 1 || query.expand !== undefined) return null;
	const typeId = SEGMENT_TO_TYPE[segments[0]];
	if (!typeId || NO_FAST_PATH.has(typeId)) return null;
	// Products get reviewRatingStatistics from the mock once a review counts in statistics.
	if (typeId === "product" && (await reviewsCount(projectKey))) return null;
	return typeId;
};

/** A collection page of `typeId` from storage, answered from cached per-resource JSON. */
export const fastQuery = async (reply, projectKey, typeId, query) => {
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

/** Answer an API GET of `path` from storage when the fast path applies; else leave it. */
export const serveFast = async (reply, projectKey, path, query) => {
	const segments = path.split("/").filter(Boolean).slice(1);
	const typeId = await fastTypeFor(projectKey, segments, query);
	if (typeId) return fastQuery(reply, projectKey, typeId, query);
};
