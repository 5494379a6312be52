// Request stats (GET /_sandbox/stats): the one `stats` object of the process, counted here.
import { log, VERBOSE } from "./config.mjs";

export const stats = {
	requests: 0,
	tokens_issued: 0,
	faults_served: 0,
	by_method_path: {},
	by_status: {},
	in_flight: 0,
	max_in_flight: 0,
	since: new Date().toISOString(),
};

/** When each API request (not a token request) arrived, in ms since the epoch, so that a test
 * can check a throttle where commercetools would: at most N arrivals in any window. */
export const arrivals = [];
const MAX_ARRIVALS = 500_000;

export const resetStats = () => {
	arrivals.length = 0;
	Object.assign(stats, {
		requests: 0,
		tokens_issued: 0,
		faults_served: 0,
		by_method_path: {},
		by_status: {},
		max_in_flight: stats.in_flight,
		since: new Date().toISOString(),
	});
};

const UUID_SEGMENT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** "GET /sandbox/customers/{id}": ids and keys folded so stats stay small and comparable. */
const routeLabel = (method, url) => {
	const path = url.split("?", 1)[0];
	const segments = path.split("/").map((s) => {
		if (UUID_SEGMENT.test(s)) return "{id}";
		if (s.startsWith("key=")) return "key={key}";
		return s;
	});
	return `${method} ${segments.join("/")}`;
};

/** Count an API or token request now, and its status (or "dropped") once its response ends. */
export const countRequest = (request, reply) => {
	const url = request.url;
	stats.requests++;
	if (!url.includes("/oauth/") && arrivals.length < MAX_ARRIVALS) {
		arrivals.push(performance.timeOrigin + performance.now());
	}
	const label = routeLabel(request.method, url);
	stats.by_method_path[label] = (stats.by_method_path[label] ?? 0) + 1;
	stats.in_flight++;
	if (stats.in_flight > stats.max_in_flight) stats.max_in_flight = stats.in_flight;
	const raw = reply.raw;
	const started = VERBOSE ? performance.now() : 0;
	let counted = false;
	const done = (key) => {
		if (counted) return;
		counted = true;
		stats.in_flight--;
		stats.by_status[key] = (stats.by_status[key] ?? 0) + 1;
		if (VERBOSE) log(request.method, url, key, `${(performance.now() - started).toFixed(1)}ms`);
	};
	raw.once("finish", () => done(String(raw.statusCode)));
	raw.once("close", () => done(raw.writableFinished ? String(raw.statusCode) : "dropped"));
};
