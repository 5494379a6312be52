// Subscriptions as commercetools manages them: the update actions the mock 4.4.0 lacks
// (changeDestination, setChanges, setMessages, setEvents; it has setKey), and the checks of a
// draft's or an action's destination, changes, messages and events (400 InvalidInput), where the
// mock stores what it is given or fails with a 500. changeDestination tests the new destination
// as commercetools does: a ResourceCreated notification of the subscription itself, sent before
// the update is stored; the update fails when it cannot be delivered. The sandbox sends it only
// to the destinations it delivers to (SQS queues on this machine), never to AWS.
import { PROJECT_KEY, log } from "./config.mjs";
import { deliveryStats } from "./delivery-faults.mjs";
import { invalidInput } from "./mock-internals.mjs";
import { ctMock } from "./mock-app.mjs";
import { delivers } from "./notifications.mjs";
import { sendToSqs } from "./sqs.mjs";

/** ChangeSubscriptionResourceTypeId of the API reference. */
const CHANGE_TYPES = new Set([
	"approval-flow",
	"approval-rule",
	"associate-role",
	"attribute-group",
	"business-unit",
	"cart",
	"cart-discount",
	"category",
	"channel",
	"customer",
	"customer-email-token",
	"customer-group",
	"customer-password-token",
	"discount-code",
	"discount-group",
	"extension",
	"inventory-entry",
	"key-value-document",
	"order",
	"order-edit",
	"payment",
	"product",
	"product-discount",
	"product-selection",
	"product-tailoring",
	"product-type",
	"quote",
	"quote-request",
	"recurrence-policy",
	"recurring-order",
	"review",
	"shipping-method",
	"shopping-list",
	"staged-quote",
	"standalone-price",
	"state",
	"store",
	"subscription",
	"tax-category",
	"type",
	"zone",
]);

/** MessageSubscriptionResourceTypeId of the API reference. */
const MESSAGE_TYPES = new Set([
	"approval-flow",
	"approval-rule",
	"associate-role",
	"business-unit",
	"category",
	"customer",
	"customer-email-token",
	"customer-group",
	"customer-password-token",
	"inventory-entry",
	"order",
	"payment",
	"product",
	"product-selection",
	"product-tailoring",
	"quote",
	"quote-request",
	"review",
	"shopping-list",
	"staged-quote",
	"standalone-price",
	"store",
]);

/** EventSubscriptionResourceTypeId of the API reference. */
const EVENT_TYPES = new Set(["checkout", "import-api"]);

/** The fields each destination type requires (names only: values are never echoed). */
const REQUIRED_FIELDS = {
	SQS: ["queueUrl", "region"],
	SNS: ["topicArn"],
	EventBridge: ["region", "accountId"],
	GoogleCloudPubSub: ["projectId", "topic"],
	AzureServiceBus: ["connectionString"],
	EventGrid: ["uri", "accessKey"],
	ConfluentCloud: ["bootstrapServer", "apiKey", "apiSecret", "acks", "topic"],
};
const AWS_TYPES = new Set(["SQS", "SNS"]);
const AUTH_MODES = new Set(["Credentials", "IAM"]);

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const isText = (value) => typeof value === "string" && value.trim() !== "";

/** SQS and SNS: `Credentials` (the default) need both keys. */
const checkAwsAuth = (destination) => {
	const mode = destination.authenticationMode ?? "Credentials";
	if (!AUTH_MODES.has(mode)) {
		throw invalidInput(
			`destination.authenticationMode '${mode}' is invalid: expected 'Credentials' or 'IAM'.`,
		);
	}
	const keys = isText(destination.accessKey) && isText(destination.accessSecret);
	if (mode === "Credentials" && !keys) {
		throw invalidInput(
			`A ${destination.type} destination with authenticationMode 'Credentials' requires ` +
				"accessKey and accessSecret.",
		);
	}
};

/** A Destination as the API reference has it; 400 InvalidInput naming what is wrong. */
export const checkDestination = (destination) => {
	if (!isObject(destination)) throw invalidInput("destination: Missing required value.");
	const { type } = destination;
	if (!isText(type)) throw invalidInput("destination.type: Missing required value.");
	const required = REQUIRED_FIELDS[type];
	if (!required) {
		const known = Object.keys(REQUIRED_FIELDS).join(", ");
		throw invalidInput(`destination.type '${type}' is invalid: expected one of ${known}.`);
	}
	for (const field of required) {
		if (!isText(destination[field])) {
			throw invalidInput(`destination.${field}: Missing required value (type ${type}).`);
		}
	}
	if (type === "SQS") {
		try {
			new URL(destination.queueUrl);
		} catch {
			throw invalidInput("destination.queueUrl is not a valid URL.");
		}
	}
	if (AWS_TYPES.has(type)) checkAwsAuth(destination);
};

/** A list of `{resourceTypeId, types?}` whose ids are in `known`; [] when absent. */
const checkList = (field, value, known, withTypes) => {
	if (value === undefined || value === null) return [];
	if (!Array.isArray(value)) throw invalidInput(`${field}: JSON Array expected.`);
	return value.map((item, i) => {
		const at = `${field}[${i}]`;
		if (!isObject(item) || !isText(item.resourceTypeId)) {
			throw invalidInput(`${at}.resourceTypeId: Missing required value.`);
		}
		if (!known.has(item.resourceTypeId)) {
			const id = item.resourceTypeId;
			throw invalidInput(`${at}.resourceTypeId '${id}' is not supported in ${field}.`);
		}
		const allowed = (k) => k === "resourceTypeId" || (withTypes && k === "types");
		const extra = Object.keys(item).filter((k) => !allowed(k));
		if (extra.length) throw invalidInput(`${at}: unknown field '${extra[0]}'.`);
		if (withTypes && item.types !== undefined) {
			if (!Array.isArray(item.types) || !item.types.every(isText)) {
				throw invalidInput(`${at}.types: JSON Array of Strings expected.`);
			}
		}
		return item;
	});
};

export const checkChanges = (changes) => checkList("changes", changes, CHANGE_TYPES, false);
export const checkMessages = (messages) => checkList("messages", messages, MESSAGE_TYPES, true);
export const checkEvents = (events) => checkList("events", events, EVENT_TYPES, true);

/** "Either messages, changes, or events must be set." (a draft, and the end of an update). */
const checkSubscribesToSomething = (subscription) => {
	const some = (list) => Array.isArray(list) && list.length > 0;
	if (!(some(subscription.changes) || some(subscription.messages) || some(subscription.events))) {
		throw invalidInput(
			"A subscription must subscribe to messages, changes or events: all are empty.",
		);
	}
};

/** The test notification commercetools sends to a new destination: ResourceCreated of the
 * subscription itself. Sent when the sandbox delivers there; 400 when it cannot be delivered. */
const testDestination = async (subscription, destination) => {
	const candidate = { ...subscription, destination };
	if (!delivers(candidate)) return;
	const body = JSON.stringify({
		notificationType: "ResourceCreated",
		projectKey: PROJECT_KEY,
		resource: { typeId: "subscription", id: subscription.id },
		resourceUserProvidedIdentifiers: subscription.key ? { key: subscription.key } : {},
		version: subscription.version,
		modifiedAt: new Date().toISOString(),
	});
	try {
		await sendToSqs(destination, body);
		deliveryStats.tested++;
	} catch (err) {
		log(`test notification to ${destination.queueUrl} failed: ${err.message}`);
		const { queueUrl, region } = destination;
		throw invalidInput(
			`A test message could not be delivered to this destination: SQS ${queueUrl} in ` +
				`${region}. Please make sure your destination is correctly configured.`,
		);
	}
};

/** The update actions, as methods of the mock's update handler (a version per real change). */
const ACTIONS = {
	async changeDestination(_context, resource, { destination }) {
		checkDestination(destination);
		await testDestination(resource, destination);
		resource.destination = destination;
		resource.status = "Healthy";
	},
	setChanges(_context, resource, { changes }) {
		resource.changes = checkChanges(changes);
	},
	setMessages(_context, resource, { messages }) {
		resource.messages = checkMessages(messages);
	},
	setEvents(_context, resource, { events }) {
		resource.events = checkEvents(events);
	},
};

/** Add the missing update actions and the checks to the mock's subscription repository. */
export const manageSubscriptions = () => {
	const repository = ctMock._repositories.subscription;
	const handler = repository.actions;
	for (const [name, action] of Object.entries(ACTIONS)) handler[name] = action;
	const apply = handler.apply.bind(handler);
	handler.apply = async (context, resource, version, actions) => {
		const updated = await apply(context, resource, version, actions);
		checkSubscribesToSomething(updated);
		return updated;
	};
	const create = repository.create.bind(repository);
	repository.create = async (context, draft) => {
		if (!isObject(draft)) throw invalidInput("The subscription draft must be a JSON object.");
		checkDestination(draft.destination);
		checkChanges(draft.changes);
		checkMessages(draft.messages);
		checkEvents(draft.events);
		checkSubscribesToSomething(draft);
		return create(context, draft);
	};
};
