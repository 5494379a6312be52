// commercetools `sort`: parsing the parameter and ordering resources by it, as the mock's
// sortParser orders them.
import { invalidInput } from "./mock-internals.mjs";

const compareValues = (left, right) => {
	// Same rules as the mock's sortParser: missing values sort last ascending, strings compare
	// with < and > so `sort=id asc` agrees with `where id > "..."`.
	if (left === undefined || left === null) return right === undefined || right === null ? 0 : 1;
	if (right === undefined || right === null) return -1;
	if (typeof left === "number" && typeof right === "number") return left - right;
	if (typeof left === "boolean" && typeof right === "boolean") return Number(left) - Number(right);
	const l = String(left);
	const r = String(right);
	return l < r ? -1 : l > r ? 1 : 0;
};

const resolvePath = (obj, path) => {
	let current = obj;
	for (const segment of path) {
		if (current === null || typeof current !== "object") return undefined;
		current = current[segment];
	}
	return current;
};

const SORT_FIELD = /^[A-Za-z_][\w-]*(\.[\w-]+)*$/;

/** Parse commercetools `sort` values ("field", "field asc", "field desc"); 400 on bad input. */
export const parseSort = (sort) => {
	if (sort === undefined || sort === null || sort === "") return [];
	const clauses = Array.isArray(sort) ? sort : [sort];
	return clauses.map((clause) => {
		const parts = String(clause).trim().split(/\s+/);
		const field = parts[0];
		const direction = (parts[1] || "asc").toLowerCase();
		if (!field || !SORT_FIELD.test(field) || parts.length > 2 || !["asc", "desc"].includes(direction)) {
			throw invalidInput(`Malformed parameter: sort: Invalid sort expression '${clause}'.`);
		}
		return { path: field.split("."), desc: direction === "desc" };
	});
};

/** Order resources by parsed sort clauses, as the sorted views are ordered. */
export const sortResources = (resources, clauses) => {
	const decorated = resources.map((v) => ({ v, k: clauses.map((c) => resolvePath(v, c.path)) }));
	decorated.sort((a, b) => compareKeys(a.k, b.k, clauses));
	return decorated.map((d) => d.v);
};

const compareKeys = (left, right, clauses) => {
	for (let i = 0; i < clauses.length; i++) {
		const result = compareValues(left[i], right[i]);
		if (result !== 0) return clauses[i].desc ? -result : result;
	}
	return 0;
};

/** Insert `resource` into `sorted` (ordered by `clauses`) after every resource it does not sort
 * before: where a full stable sort would put a resource added last. */
export const insertSorted = (sorted, resource, clauses) => {
	const key = clauses.map((c) => resolvePath(resource, c.path));
	const keyOf = (r) => clauses.map((c) => resolvePath(r, c.path));
	const last = sorted.length - 1;
	if (last < 0 || compareKeys(keyOf(sorted[last]), key, clauses) <= 0) {
		sorted.push(resource);
		return;
	}
	let lo = 0;
	let hi = last;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (compareKeys(keyOf(sorted[mid]), key, clauses) <= 0) lo = mid + 1;
		else hi = mid;
	}
	sorted.splice(lo, 0, resource);
};
