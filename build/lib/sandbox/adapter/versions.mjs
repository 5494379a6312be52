// Version checks for API writes: commercetools checks the version of every update and delete;
// the mock checks it only when an update action changes something, and never on delete.
import { storage } from "./mock-app.mjs";
import { sendJson } from "./replies.mjs";
import { SEGMENT_TO_TYPE } from "./served-types.mjs";

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

/** 409 `ConcurrentModification` when an update or delete names a version that is not current. */
export const checkVersion = async (request, reply) => {
	const method = request.method;
	if (method !== "POST" && method !== "DELETE") return;
	const expected =
		method === "POST" ? request.body?.version : Number(request.query?.version ?? Number.NaN);
	if (method === "POST" && !Array.isArray(request.body?.actions)) return;
	if (!Number.isInteger(expected)) return;
	const resource = await addressedResource(request.url);
	if (resource && resource.version !== expected) return conflict(reply, resource, expected);
};
