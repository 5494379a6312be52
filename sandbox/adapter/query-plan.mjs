// Query planning for storage: which stored resources a query has to test at all. Both plans only
// skip resources that cannot match; the full predicate is still evaluated on the rest, so the
// answer is the mock's.
import { conjuncts, LITERAL_BODY, valueOf } from "./predicates.mjs";

// --- keyset skip-ahead ----------------------------------------------------------------------
// Keyset pages (`sort=id asc` + `id > :last`; `sort=createdAt asc&sort=id asc` +
// `createdAt >= :since`; `sort=lastModifiedAt asc&sort=id asc` +
// `(lastModifiedAt > :t) or (lastModifiedAt = :t and id > :id)`, the first comparison with or
// without its parentheses) start by binary search in the sorted view instead of testing every
// resource before the cursor. The full predicate is still evaluated on what follows (a malformed
// one still fails), so this only skips resources that cannot match. Values compare as strings, as
// the mock compares them.

const STRING_FIELDS = new Set(["id", "key", "createdAt", "lastModifiedAt"]);
const VALUE = String.raw`(?:"(${LITERAL_BODY})"|:([-_A-Za-z0-9]+))`;
const LOWER_BOUND = new RegExp(String.raw`^([A-Za-z]+)\s*(>=?)\s*${VALUE}$`, "i");
const DELTA_BOUND = new RegExp(
	String.raw`^\(?\s*([A-Za-z]+)\s*>\s*${VALUE}\s*\)?\s+or\s+\(\s*([A-Za-z]+)\s*=\s*${VALUE}\s+and\s+id\s*>\s*${VALUE}\s*\)$`,
	"i",
);

/** `field > v` / `field >= v` on the first sort field: skip what sorts before v. */
const lowerBound = (field, part, vars) => {
	const m = LOWER_BOUND.exec(part);
	const value = m && m[1] === field && valueOf(m[3], m[4], vars);
	if (typeof value !== "string") return null;
	return m[2] === ">="
		? (r) => typeof r[field] === "string" && r[field] < value
		: (r) => typeof r[field] === "string" && r[field] <= value;
};

/** `(field > t) or (field = t and id > i)` with `sort=field asc&sort=id asc`. */
const deltaBound = (field, clauses, part, vars) => {
	const byIdNext = clauses[1]?.path.length === 1 && clauses[1].path[0] === "id";
	if (field === "id" || !byIdNext || clauses[1].desc) return null;
	const m = DELTA_BOUND.exec(part);
	if (!m || m[1] !== field || m[4] !== field) return null;
	const t = valueOf(m[2], m[3], vars);
	const t2 = valueOf(m[5], m[6], vars);
	const id = valueOf(m[7], m[8], vars);
	if (typeof t !== "string" || t !== t2 || typeof id !== "string") return null;
	return (r) => {
		const f = r[field];
		return typeof f === "string" && (f < t || (f === t && r.id <= id));
	};
};

/** A `before(resource)` test for the sorted view's skippable prefix, or null. */
export const keysetBound = (clauses, where, vars) => {
	if (!where?.length || clauses[0].desc || clauses[0].path.length !== 1) return null;
	const field = clauses[0].path[0];
	if (!STRING_FIELDS.has(field)) return null;
	for (const part of where.flatMap(conjuncts)) {
		const before = lowerBound(field, part, vars) ?? deltaBound(field, clauses, part, vars);
		if (before) return before;
	}
	return null;
};

/** The sorted view from the first resource that is not `before` the cursor (binary search). */
export function* sortedFrom(sorted, before) {
	let lo = 0;
	let hi = sorted.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (before(sorted[mid])) lo = mid + 1;
		else hi = mid;
	}
	for (let i = lo; i < sorted.length; i++) yield sorted[i];
}

// --- lookups by value -------------------------------------------------------------------------
// `key in ("a", "b", …)`, `email = "x"` and the like on a top-level field (how a push finds the
// records its drafts name) are answered from the resources whose field holds one of those values,
// found with a Set lookup per resource, instead of the mock's predicate on every stored resource
// (a query commercetools answers from an index; bench/sandbox_lookups.py measures the gain). The
// values are compared without case, so the candidates include whatever the mock would match; the
// full predicate is still evaluated on them, so the answer is the same.

const FIELD_IN = /^([A-Za-z][A-Za-z0-9]*)\s+in\s*\((.*)\)$/s;
const FIELD_EQ = new RegExp(String.raw`^([A-Za-z][A-Za-z0-9]*)\s*=\s*("${LITERAL_BODY}")$`, "s");
const STRING_LITERAL = new RegExp(`"(${LITERAL_BODY})"`, "g");
const LITERAL_LIST = new RegExp(
	String.raw`^\s*"${LITERAL_BODY}"(?:\s*,\s*"${LITERAL_BODY}")*\s*$`,
	"s",
);

/** `{ field, values }` when a conjunct of `where` limits the answer to listed values, or null. */
export const valueLookup = (where) => {
	if (!where?.length) return null;
	for (const part of where.flatMap(conjuncts)) {
		const m = FIELD_IN.exec(part) ?? FIELD_EQ.exec(part);
		if (!m || !LITERAL_LIST.test(m[2])) continue;
		const values = new Set();
		for (const v of m[2].matchAll(STRING_LITERAL)) {
			values.add(valueOf(v[1]).toLowerCase());
		}
		return { field: m[1], values };
	}
	return null;
};

/** The stored resources whose `field` holds one of `values` (compared without case). */
export const lookupCandidates = (map, { field, values }) => {
	const found = [];
	for (const resource of map.values()) {
		const value = resource[field];
		if (typeof value === "string" && values.has(value.toLowerCase())) found.push(resource);
	}
	return found;
};
