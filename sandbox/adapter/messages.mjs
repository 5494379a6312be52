// The Messages API: a message per write that has a message type (message-types.mjs), stored
// when the project has `messages.enabled`, and served by `GET /<project>/messages` through the
// same storage query path as other collections. Messages are also what message subscriptions
// deliver, enabled or not (as commercetools documents).
import { randomUUID } from "node:crypto";

import { fastQuery } from "./fast-path.mjs";
import { messagePayloads } from "./message-types.mjs";
import { storage } from "./mock-app.mjs";
import { authError, sendJson } from "./replies.mjs";

export const MESSAGE_TYPE_ID = "message";
const lastSequence = new Map(); // resource id -> last sequenceNumber given out

/** Whether the project stores messages (`changeMessagesConfiguration`), read without a clone. */
export const messagesEnabled = (projectKey) =>
	storage.projects?.[projectKey]?.messages?.enabled === true;

/** The project's message store (a StorageMap like the mock's, created on first use). */
const messageStore = async (projectKey) => {
	const projectStorage = await storage.forProjectKey(projectKey);
	if (!projectStorage[MESSAGE_TYPE_ID]) {
		const StorageMap = projectStorage.customer.constructor;
		projectStorage[MESSAGE_TYPE_ID] = new StorageMap();
	}
	return projectStorage[MESSAGE_TYPE_ID]._map;
};

/** Forget messages and sequence numbers (the control API's reset empties the store itself). */
export const forgetSequences = () => lastSequence.clear();

const slugOf = (write) => write.resource.slug ?? write.resource.masterData?.current?.slug;

/** `resourceUserProvidedIdentifiers`: the identifiers of the resource a user chose. */
export const userProvidedIdentifiers = (write) => {
	const r = write.resource;
	const ids = {};
	if (write.typeId === "key-value-document") {
		return { containerAndKey: { container: r.container, key: r.key } };
	}
	for (const field of ["key", "externalId", "orderNumber", "customerNumber", "sku"]) {
		if (typeof r[field] === "string" && r[field]) ids[field] = r[field];
	}
	const slug = slugOf(write);
	if (slug && typeof slug === "object") ids.slug = slug;
	return ids;
};

/** The sequenceNumber before `count` new ones of a resource, those taken (one Map update). */
const takeSequences = (resourceId, count) => {
	const before = lastSequence.get(resourceId) ?? 0;
	if (count) lastSequence.set(resourceId, before + count);
	return before;
};

/** The messages of one successful write (none for writes without a message type), with the
 * resource's user-provided identifiers. */
export const buildMessages = (write, identifiers) => {
	const { typeId, resource, resourceVersion, at } = write;
	const by = resource.lastModifiedBy;
	const reference = { typeId, id: resource.id };
	const payloads = messagePayloads(write);
	const before = takeSequences(resource.id, payloads.length);
	return payloads.map((payload, i) => {
		const message = {
			id: randomUUID(),
			version: 1,
			versionModifiedAt: at,
			sequenceNumber: before + i + 1,
			resource: reference,
			resourceVersion,
			resourceUserProvidedIdentifiers: identifiers,
		};
		Object.assign(message, payload);
		message.createdAt = at;
		message.lastModifiedAt = at;
		if (by) {
			message.createdBy = by;
			message.lastModifiedBy = by;
		}
		return message;
	});
};

/** Store a write's messages when the project has messages enabled. */
export const storeMessages = async (projectKey, messages) => {
	if (!messages.length || !messagesEnabled(projectKey)) return;
	await messageStore(projectKey);
	await storage.addNew(projectKey, MESSAGE_TYPE_ID, messages);
};

/** Scopes that may read messages: `view_messages`, or everything in the project. */
const mayReadMessages = (grant, projectKey) =>
	grant.scopes.some(
		(s) => s === `view_messages:${projectKey}` || s === `manage_project:${projectKey}`,
	);

const notFound = (reply, id) => {
	const message = `The Resource with ID '${id}' was not found.`;
	return sendJson(reply, 404, {
		statusCode: 404,
		message,
		errors: [{ code: "ResourceNotFound", message }],
	});
};

/** `GET /<project>/messages[/<id>]`; anything else under /messages is left to 404. */
export const serveMessages = async (reply, grant, projectKey, segments, query) => {
	if (!mayReadMessages(grant, projectKey)) {
		const message =
			`Insufficient scope. One of the following scopes is missing: view_messages:${projectKey}`;
		return sendJson(reply, 403, authError(403, "insufficient_scope", message));
	}
	const store = await messageStore(projectKey);
	if (segments.length === 1) return fastQuery(reply, projectKey, MESSAGE_TYPE_ID, query);
	const found = segments.length === 2 ? store.get(segments[1]) : undefined;
	if (!found) return notFound(reply, segments[1]);
	return sendJson(reply, 200, found);
};
