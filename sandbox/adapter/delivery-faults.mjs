// Injectable faults of change-notification delivery (POST /_sandbox/deliveries/faults): a share
// of notifications sent twice (`duplicate`), a share held back and sent after the next one
// (`reorder`; a held one goes out alone after HOLD_MS if nothing follows), and a delay before
// each is sent (`delayMs`). What commercetools allows itself: at least once, in no set order.
import { invalidInput } from "./mock-internals.mjs";

const HOLD_MS = 1000;
const settings = { duplicate: 0, reorder: 0, delayMs: 0 };
export const deliveryStats = {
	sent: 0,
	failed: 0,
	duplicated: 0,
	reordered: 0,
	delayed: 0,
	tested: 0, // test notifications of changeDestination
	pending: 0,
};
let held = null; // { item, timer } of the notification waiting for the next one

const share = (input, name) => {
	const value = input[name] ?? 0;
	if (!(typeof value === "number" && value >= 0 && value <= 1)) {
		throw invalidInput(`${name} must be a number from 0 to 1.`);
	}
	return value;
};

/** Set the delivery faults (every field optional, 0 by default); 400 on bad input. */
export const setDeliveryFaults = (input) => {
	if (input === null || typeof input !== "object" || Array.isArray(input)) {
		throw invalidInput("Delivery faults must be a JSON object.");
	}
	for (const key of Object.keys(input)) {
		if (!(key in settings)) throw invalidInput(`Unknown delivery fault field '${key}'.`);
	}
	const delayMs = input.delayMs ?? 0;
	if (!(typeof delayMs === "number" && delayMs >= 0)) {
		throw invalidInput("delayMs must be a non-negative number.");
	}
	Object.assign(settings, {
		duplicate: share(input, "duplicate"),
		reorder: share(input, "reorder"),
		delayMs,
	});
	return { ...settings };
};

export const clearDeliveryFaults = () => setDeliveryFaults({});

/** The settings and the counters since the last reset. */
export const deliveries = () => ({ faults: { ...settings }, ...deliveryStats });

export const resetDeliveryStats = () => {
	for (const key of Object.keys(deliveryStats)) if (key !== "pending") deliveryStats[key] = 0;
};

const releaseHeld = (forward) => {
	if (held === null) return;
	const { item, timer } = held;
	held = null;
	clearTimeout(timer);
	forward(item);
};

const shape = (item, forward) => {
	const copies = Math.random() < settings.duplicate ? 2 : 1;
	if (copies === 2) deliveryStats.duplicated++;
	if (held === null && Math.random() < settings.reorder) {
		deliveryStats.reordered++;
		const timer = setTimeout(() => releaseHeld(forward), HOLD_MS);
		held = { item: { ...item, copies }, timer };
		return;
	}
	forward({ ...item, copies });
	releaseHeld(forward);
};

/** Hand a notification to `forward` as the faults say: later, twice, or after the next one.
 * `forward` gets the item with `copies` (how many times to send it). */
export const shapeDelivery = (item, forward) => {
	if (settings.delayMs > 0) {
		deliveryStats.delayed++;
		setTimeout(() => shape(item, forward), settings.delayMs);
		return;
	}
	shape(item, forward);
};
