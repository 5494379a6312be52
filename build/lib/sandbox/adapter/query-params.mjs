// Query parameters of API GETs the mock does not check or pass on: limit/offset caps, `sort`
// and `withTotal` (smuggled down to storage as var.* parameters).
import { MAX_LIMIT, MAX_OFFSET, SORT_VAR, WITH_TOTAL_VAR } from "./config.mjs";
import { sendJson } from "./replies.mjs";
import { parseSort } from "./sort.mjs";

const one = (v) => (Array.isArray(v) ? v[v.length - 1] : v);

/** 400 `InvalidInput` unless limit and offset, when given, are integers within the caps. */
export const checkPaging = (query, reply) => {
	for (const [name, value, max] of [
		["limit", one(query.limit), MAX_LIMIT],
		["offset", one(query.offset), MAX_OFFSET],
	]) {
		if (value === undefined) continue;
		const n = Number(value);
		if (!Number.isInteger(n) || n < 0 || n > max) {
			const message = `The ${name} must be between 0 and ${max}, got '${value}'.`;
			const body = { statusCode: 400, message, errors: [{ code: "InvalidInput", message }] };
			return sendJson(reply, 400, body);
		}
	}
};

/** Copy sort and withTotal where storage finds them (400 on a malformed sort). */
export const passSortAndTotal = (query, reply) => {
	// The mock's collection handler forwards only where/limit/offset/expand/var.* to storage.
	if (query.sort !== undefined) {
		try {
			parseSort(query.sort);
		} catch (err) {
			const body = { statusCode: 400, message: err.message, errors: [err.info] };
			return sendJson(reply, 400, body);
		}
		query[SORT_VAR] = query.sort;
	}
	if (query.withTotal !== undefined) query[WITH_TOTAL_VAR] = String(one(query.withTotal));
};

/** preSerialization: withTotal=false also for endpoints that do not go through storage.query
 * (product projections). */
export const omitTotal = async (request, _reply, payload) => {
	if (
		request.query?.[WITH_TOTAL_VAR] === "false" &&
		payload &&
		typeof payload === "object" &&
		Array.isArray(payload.results) &&
		"total" in payload
	) {
		const { total: _omit, ...rest } = payload;
		return rest;
	}
	return payload;
};
