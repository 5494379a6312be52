// What a successful API write changed, read from its request and answer (onSend): creates
// (`POST /<project>/<segment>`), updates (`POST .../<id|key=…>` with actions) and deletes
// (`DELETE .../<id|key=…>`, custom objects `/<container>/<key>`) of the served resource types.
// Each one records its messages and schedules the subscriptions' notifications. With messages
// disabled and no subscription this costs a lookup per write and nothing more.
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

/** kind, typeId and the old version a write's request names, or null when it is no write. */
const writeKind = (request, segments) => {
	const [, segment, ...rest] = segments;
	const typeId = SEGMENT_TO_TYPE[segment];
	if (!typeId) return null;
	const customObject = typeId === "key-value-document";
	if (request.method === "DELETE") {
		return rest.length === (customObject ? 2 : 1) ? { kind: "delete", typeId } : null;
	}
	if (rest.length === 0) return { kind: customObject ? "upsert" : "create", typeId };
	const body = request.body;
	if (rest.length !== 1 || !Array.isArray(body?.actions)) return null;
	return { kind: "update", typeId, oldVersion: body.version, actions: body.actions };
};

/** The write a request made, complete with versions and time, or null. */
const describeWrite = (request, payload, segments) => {
	const found = writeKind(request, segments);
	if (!found) return null;
	const resource = resourceOf(found.typeId, found.kind, JSON.parse(payload));
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
		...found,
		kind,
		oldVersion,
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
	const segments = request.url.split("?", 1)[0].split("/").filter(Boolean).map(decodeURIComponent);
	const projectKey = segments[0];
	const notify = hasSubscriptions(projectKey);
	if (!notify && !messagesEnabled(projectKey)) return payload;
	const write = describeWrite(request, payload, segments);
	if (!write) return payload;
	const messageWanted = messagesEnabled(projectKey) || wantsMessages(projectKey, write.typeId);
	const messages = messageWanted ? buildMessages(write) : [];
	await storeMessages(projectKey, messages);
	if (notify) {
		const identifiers = userProvidedIdentifiers(write);
		setImmediate(() => dispatch(projectKey, write, messages, identifiers));
	}
	return payload;
};
