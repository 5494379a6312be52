// Subscriptions: change notifications (ResourceCreated/Updated/Deleted) and messages delivered in
// the Platform format to the SQS queues of the project's subscriptions, after the write's answer,
// at least once, one queue of sends per subscription. A send that fails (after retries) sets the
// subscription's status to ConfigurationErrorDeliveryStopped and the notification is not kept, as
// commercetools documents; the next notification that reaches the queue sets it Healthy again.
import { PROJECT_KEY, log } from "./config.mjs";
import { deliveryStats, shapeDelivery } from "./delivery-faults.mjs";
import { storage } from "./mock-app.mjs";
import { sendToSqs } from "./sqs.mjs";

const RETRY_DELAYS_MS = [100, 400];
const MAX_SQS_BYTES = 256 * 1024;
const chains = new Map(); // subscription id -> promise of its last send

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The project's subscriptions map, read without a clone (undefined before the first one). */
const subscriptionMap = (projectKey) => storage.resources?.[projectKey]?.subscription?._map;

/** Whether any subscription exists: writes do nothing more while there is none. */
export const hasSubscriptions = (projectKey) => (subscriptionMap(projectKey)?.size ?? 0) > 0;

/** Whether some subscription takes messages of `typeId`: then a write builds its messages. */
export const wantsMessages = (projectKey, typeId) => {
	for (const sub of subscriptionMap(projectKey)?.values() ?? []) {
		if (sub.messages?.some((m) => m.resourceTypeId === typeId)) return true;
	}
	return false;
};

const NOTIFICATION_TYPES = {
	create: "ResourceCreated",
	update: "ResourceUpdated",
	delete: "ResourceDeleted",
};

/** A change notification's payload (ResourceCreated/Updated/DeletedDeliveryPayload). */
const changePayload = (write, identifiers) => {
	const payload = {
		notificationType: NOTIFICATION_TYPES[write.kind],
		projectKey: PROJECT_KEY,
		resource: { typeId: write.typeId, id: write.resource.id },
		resourceUserProvidedIdentifiers: identifiers,
		version: write.resourceVersion,
		modifiedAt: write.at,
	};
	if (write.kind === "update") payload.oldVersion = write.oldVersion;
	if (write.kind === "delete" && write.dataErasure) payload.dataErasure = true;
	return payload;
};

/** A MessageDeliveryPayload; without the message's own fields when it would not fit SQS. */
const messagePayload = (message) => {
	const body = JSON.stringify({ notificationType: "Message", projectKey: PROJECT_KEY, ...message });
	if (Buffer.byteLength(body) <= MAX_SQS_BYTES) return body;
	const { id, version, sequenceNumber, resource, resourceVersion, type, createdAt } = message;
	return JSON.stringify({
		notificationType: "Message",
		projectKey: PROJECT_KEY,
		id,
		version,
		sequenceNumber,
		resource,
		resourceVersion,
		resourceUserProvidedIdentifiers: message.resourceUserProvidedIdentifiers,
		type,
		createdAt,
		lastModifiedAt: message.lastModifiedAt,
		payloadNotIncluded: { reason: "Payload too large", payloadType: type },
	});
};

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "0.0.0.0", "[::1]"]);

/** Whether the sandbox delivers to a subscription: SQS queues on this machine only (the seed's
 * subscriptions name queues at AWS, which a sandbox must never call), Platform format. */
export const delivers = (sub) => {
	if (sub.destination?.type !== "SQS" || (sub.format?.type ?? "Platform") !== "Platform") {
		return false;
	}
	try {
		return LOCAL_HOSTS.has(new URL(sub.destination.queueUrl).hostname);
	} catch {
		return false;
	}
};

/** The bodies a subscription gets for one write: its change notification, its messages. */
const bodiesFor = (sub, write, messages, identifiers) => {
	if (!delivers(sub)) return [];
	const bodies = [];
	if (sub.changes?.some((c) => c.resourceTypeId === write.typeId)) {
		bodies.push(JSON.stringify(changePayload(write, identifiers)));
	}
	for (const wanted of sub.messages ?? []) {
		if (wanted.resourceTypeId !== write.typeId) continue;
		for (const message of messages) {
			if (!wanted.types?.length || wanted.types.includes(message.type)) {
				bodies.push(messagePayload(message));
			}
		}
	}
	return bodies;
};

/** Set a subscription's health status (a new stored object: the fast path caches by object). */
const setStatus = (projectKey, subscriptionId, status) => {
	const map = subscriptionMap(projectKey);
	const sub = map?.get(subscriptionId);
	if (!sub || sub.status === status) return;
	map.set(subscriptionId, { ...sub, status });
	storage._bump(projectKey, "subscription");
	log(`subscription ${subscriptionId}: ${status}`);
};

const sendWithRetries = async (destination, body) => {
	for (let attempt = 0; ; attempt++) {
		try {
			return await sendToSqs(destination, body);
		} catch (err) {
			if (err.permanent || attempt >= RETRY_DELAYS_MS.length) throw err;
			await sleep(RETRY_DELAYS_MS[attempt]);
		}
	}
};

/** Send one notification (`copies` times) to the subscription's current destination. */
const deliverOne = async ({ projectKey, subscriptionId, body, copies }) => {
	const sub = subscriptionMap(projectKey)?.get(subscriptionId);
	try {
		if (!sub) return; // deleted meanwhile: nothing to deliver to
		for (let i = 0; i < copies; i++) {
			await sendWithRetries(sub.destination, body);
			deliveryStats.sent++;
		}
		setStatus(projectKey, subscriptionId, "Healthy");
	} catch (err) {
		deliveryStats.failed++;
		log(`delivery to ${sub.destination.queueUrl} failed: ${err.message}`);
		setStatus(projectKey, subscriptionId, "ConfigurationErrorDeliveryStopped");
	} finally {
		deliveryStats.pending--;
	}
};

/** Queue a send behind the subscription's earlier ones. */
const enqueue = (item) => {
	const previous = chains.get(item.subscriptionId) ?? Promise.resolve();
	const next = previous.then(() => deliverOne(item));
	chains.set(item.subscriptionId, next);
	next.then(() => {
		if (chains.get(item.subscriptionId) === next) chains.delete(item.subscriptionId);
	});
};

/** Schedule the notifications of one successful write (called once its answer is on its way). */
export const dispatch = (projectKey, write, messages, identifiers) => {
	for (const sub of subscriptionMap(projectKey)?.values() ?? []) {
		for (const body of bodiesFor(sub, write, messages, identifiers)) {
			deliveryStats.pending++;
			shapeDelivery({ projectKey, subscriptionId: sub.id, body }, enqueue);
		}
	}
};
