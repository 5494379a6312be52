// What a successful API write changed, read from its request and answer (onSend): creates
// (`POST /<project>/<segment>`), updates (`POST .../<id|key=…>` with actions) and deletes
// (`DELETE .../<id|key=…>`, custom objects `/<container>/<key>`) of the served resource types.
// Each one records its messages and schedules the subscriptions' notifications. With messages
// disabled and no subscription this costs a lookup per write and nothing more. The written
// resource is the answer object itself (kept by `keepAnswer` before it is serialized), not a
// parse of the serialized answer: it is a copy only this write holds (storage clones on every
// read), so messages may hold it as it is.
import {
	buildMessages,
	messagesEnabled,
	storeMessages,
	userProvidedIdentifiers,
} from "./messages.mjs";
import { dispatch, hasSubscriptions, wantsMessages } from "./notifications.mjs";
import { SEGMENT_TO_TYPE } from "./served-types.mjs";

/** The written resource in a write's answer (a customer create answers `{customer}`). */
const resourceOf = (typeId, kind, answer) =>
	typeId === "customer" && kind === "create" && answer?.customer ? answer.customer : answer;

/** A write's kind, type id, old version and actions, as its request names them; null when the
 * request is no write. Always the same fields: the hot path keeps one object shape. */
const writeKind = (request, segments) => {
	const [, segment, ...rest] = segments;
	const typeId = SEGMENT_TO_TYPE[segment];
	if (!typeId) return null;
	const customObject = typeId === "key-value-document";
	const found = (kind, oldVersion = undefined, actions = undefined) => ({
		kind,
		typeId,
		oldVersion,
		actions,
	});
	if (request.method === "DELETE") {
		return rest.length === (customObject ? 2 : 1) ? found("delete") : null;
	}
	if (rest.length === 0) return found(customObject ? "upsert" : "create");
	const body = request.body;
	if (rest.length !== 1 || !Array.isArray(body?.actions)) return null;
	return found("update", body.version, body.actions);
};

const ANSWER = Symbol("sandbox.answer");

/** preSerialization (registered last): keep a write's answer object for `recordWrite`. */
export const keepAnswer = async (request, _reply, payload) => {
	if (request.method !== "GET") request[ANSWER] = payload;
	return payload;
};

/** The write a request made, complete with versions and time, or null. */
const describeWrite = (request, payload, segments) => {
	const found = writeKind(request, segments);
	if (!found) return null;
	const answer = request[ANSWER] ?? JSON.parse(payload);
	const resource = resourceOf(found.typeId, found.kind, answer);
	if (!resource?.id || !Number.isInteger(resource.version)) return null;
	let { kind, oldVersion } = found;
	if (kind === "upsert") {
		kind = resource.version === 1 ? "create" : "update";
		oldVersion = resource.version - 1;
	}
	if (kind === "update" && !Number.isInteger(oldVersion)) oldVersion = resource.version - 1;
	if (kind === "update" && oldVersion >= resource.version) return null; // nothing changed
	const deleted = kind === "delete";
	return {
		kind,
		typeId: found.typeId,
		oldVersion,
		actions: found.actions,
		resource,
		resourceVersion: resource.version,
		at: deleted ? new Date().toISOString() : resource.lastModifiedAt,
		dataErasure: deleted && String(request.query?.dataErasure) === "true",
	};
};

const isWrite = (request, reply) =>
	(request.method === "POST" || request.method === "DELETE") &&
	reply.statusCode < 300 &&
	!request.url.startsWith("/oauth/") &&
	!request.url.startsWith("/_");

/** onSend: record the messages of a successful write and schedule its notifications. */
export const recordWrite = async (request, reply, payload) => {
	if (!isWrite(request, reply) || typeof payload !== "string") return payload;
	const segments = request.url.split("?", 1)[0].split("/").filter(Boolean);
	const projectKey = decodeURIComponent(segments[0] ?? "");
	const notify = hasSubscriptions(projectKey);
	const enabled = messagesEnabled(projectKey);
	if (!notify && !enabled) return payload;
	const write = describeWrite(request, payload, segments.map(decodeURIComponent));
	if (!write) return payload;
	const identifiers = userProvidedIdentifiers(write);
	const messageWanted = enabled || wantsMessages(projectKey, write.typeId);
	const messages = messageWanted ? buildMessages(write, identifiers) : [];
	if (enabled) await storeMessages(projectKey, messages);
	if (notify) setImmediate(() => dispatch(projectKey, write, messages, identifiers));
	return payload;
};
