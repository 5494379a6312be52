// Fault injection (POST /_sandbox/faults): this module owns the rules and serves them.
// A rule fails a request before it is handled, or with `after: true` loses its answer once the
// request was handled and committed (the connection dropped, or `status` instead of the answer):
// what a client sees when a gateway or the network loses a write's answer. `every: n` faults
// every n-th request the rule matches.
import { PROJECT_KEY } from "./config.mjs";
import { invalidInput } from "./mock-internals.mjs";
import { authError, insufficientScopeBody, INVALID_CLIENT_MESSAGE, sendJson } from "./replies.mjs";
import { stats } from "./stats.mjs";

export const faults = [];
let faultSeq = 0;

const DEFAULT_FAULT_ERRORS = {
	400: ["InvalidInput", "Invalid input."],
	401: ["invalid_token", "invalid_token"],
	403: ["insufficient_scope", null],
	404: ["ResourceNotFound", "The Resource was not found."],
	409: ["ConcurrentModification", "Object has a different version than expected."],
	429: ["TooManyRequests", "Too many requests. Please retry later."],
	500: ["General", "Internal Server Error"],
	502: ["BadGateway", "Bad Gateway"],
	503: ["ServiceUnavailable", "Service Unavailable"],
	504: ["GatewayTimeout", "Gateway Timeout"],
};

const defaultFaultBody = (status, url) => {
	if (status === 401 && url.startsWith("/oauth/")) {
		return authError(401, "invalid_client", INVALID_CLIENT_MESSAGE);
	}
	if (status === 401) return authError(401, "invalid_token", "invalid_token");
	if (status === 403) return insufficientScopeBody(PROJECT_KEY);
	const [code, message] = DEFAULT_FAULT_ERRORS[status] ??
		(status >= 500 ? ["General", "Internal Server Error"] : ["InvalidOperation", `HTTP ${status}`]);
	return { statusCode: status, message, errors: [{ code, message }] };
};

const FAULT_FIELDS = [
	"count",
	"status",
	"retryAfter",
	"path",
	"method",
	"latencyMs",
	"drop",
	"body",
	"after",
	"every",
];

/** A rule's count and effects, validated (400 on bad input). */
const faultEffects = (input) => {
	if (input === null || typeof input !== "object" || Array.isArray(input)) {
		throw invalidInput("A fault rule must be a JSON object.");
	}
	for (const key of Object.keys(input)) {
		if (!FAULT_FIELDS.includes(key)) throw invalidInput(`Unknown fault field '${key}'.`);
	}
	const count = input.count === undefined ? 1 : input.count;
	if (count !== null && !(Number.isInteger(count) && count > 0)) {
		throw invalidInput("count must be a positive integer or null.");
	}
	const status = input.status ?? null;
	if (status !== null && !(Number.isInteger(status) && status >= 100 && status <= 599)) {
		throw invalidInput("status must be an HTTP status code.");
	}
	const latencyMs = input.latencyMs ?? 0;
	if (!(typeof latencyMs === "number" && latencyMs >= 0)) {
		throw invalidInput("latencyMs must be a non-negative number.");
	}
	const drop = input.drop === true;
	if (status === null && !drop && latencyMs === 0) {
		throw invalidInput("A fault rule needs status, latencyMs or drop.");
	}
	const retryAfter = input.retryAfter ?? null;
	if (retryAfter !== null && !(typeof retryAfter === "number" && retryAfter >= 0)) {
		throw invalidInput("retryAfter must be a non-negative number of seconds.");
	}
	const after = input.after === true;
	if (after && status === null && !drop) {
		throw invalidInput("An `after` rule loses the answer: it needs status or drop.");
	}
	const every = input.every ?? 1;
	if (!(Number.isInteger(every) && every > 0)) {
		throw invalidInput("every must be a positive integer.");
	}
	return { count, status, latencyMs, drop, retryAfter, after, every };
};

/** A test of the request path+query for a rule's `path` (null: every request). */
const pathMatcher = (path) => {
	if (path === null) return () => true;
	if (typeof path !== "string") throw invalidInput("path must be a string.");
	// "/.../" is a regular expression; anything else (e.g. "/oauth/token") a substring.
	const re = path.length > 2 && path.startsWith("/") && path.endsWith("/");
	if (!re) return (url) => url.includes(path);
	let regex;
	try {
		regex = new RegExp(path.slice(1, -1));
	} catch (err) {
		throw invalidInput(`path regex: ${err.message}`);
	}
	return (url) => regex.test(url);
};

/** A validated rule from its JSON, with a hidden `matches(request)`; 400 on bad input. */
const compileFault = (input) => {
	const { count, status, latencyMs, drop, retryAfter, after, every } = faultEffects(input);
	const path = input.path ?? null;
	const matcher = pathMatcher(path);
	const method = input.method ? String(input.method).toUpperCase() : null;
	const rule = {
		id: `fault-${++faultSeq}`,
		count,
		remaining: count,
		served: 0,
		status,
		retryAfter,
		path,
		method,
		latencyMs,
		drop,
		body: input.body ?? null,
		after,
		every,
		seen: 0,
	};
	Object.defineProperty(rule, "matches", {
		enumerable: false,
		value: (req) =>
			(rule.remaining === null || rule.remaining > 0) &&
			(method === null || req.method === method) &&
			matcher(req.url),
	});
	return rule;
};

/** Compile a rule from its JSON and add it after the others. */
export const addFault = (input) => {
	const rule = compileFault(input);
	faults.push(rule);
	return rule;
};

/** Remove every rule; how many there were. */
export const clearFaults = () => {
	const cleared = faults.length;
	faults.length = 0;
	return cleared;
};

/** The first rule that matches the request and has requests left, or undefined; a rule with
 * `every: n` lets the requests between its n-th ones pass. */
export const matchingFault = (request) => {
	const rule = faults.find((f) => f.matches(request));
	if (!rule) return undefined;
	rule.seen++;
	return rule.seen % rule.every === 0 ? rule : undefined;
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const countServed = (rule) => {
	if (rule.remaining !== null) rule.remaining--;
	rule.served++;
	stats.faults_served++;
};

/** Apply `rule` to the request: wait, then drop or answer; true if nothing else may answer. An
 * `after` rule is only noted here, and served by `loseAnswer` once the request was handled. */
export const serveFault = async (rule, request, reply) => {
	if (rule.after) {
		request.lostAnswer = rule;
		return false;
	}
	countServed(rule);
	if (rule.latencyMs > 0) await sleep(rule.latencyMs);
	if (rule.drop) {
		reply.hijack();
		request.raw.socket.destroy();
		return true;
	}
	if (rule.status === null) return false;
	const headers = rule.retryAfter !== null ? { "retry-after": String(rule.retryAfter) } : {};
	sendJson(reply, rule.status, rule.body ?? defaultFaultBody(rule.status, request.url), headers);
	return true;
};

/** onSend: the answer of a request an `after` rule picked, lost once the request committed (a
 * success); an error answer is passed on, as nothing was written. */
export const loseAnswer = async (request, reply, payload) => {
	const rule = request.lostAnswer;
	if (!rule || reply.statusCode >= 400) return payload;
	countServed(rule);
	if (rule.latencyMs > 0) await sleep(rule.latencyMs);
	if (rule.drop) {
		request.raw.socket.destroy();
		return payload;
	}
	reply.code(rule.status);
	reply.header("content-type", "application/json; charset=utf-8");
	return JSON.stringify(rule.body ?? defaultFaultBody(rule.status, request.url));
};
