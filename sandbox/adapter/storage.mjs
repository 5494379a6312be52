// Storage: the published InMemoryStorage deep-clones every stored resource on each query. This
// subclass filters and sorts the stored objects in place (sorted views cached per write
// generation), and clones only the page it returns.
import { InMemoryStorage } from "@labdigital/commercetools-mock";

import { MAX_PREDICATED_TOTAL, QUERY_MODE, SORT_VAR, WITH_TOTAL_VAR } from "./config.mjs";
import { invalidInput } from "./mock-internals.mjs";
import { PredicateCache } from "./predicates.mjs";
import { keysetBound, lookupCandidates, sortedFrom, valueLookup } from "./query-plan.mjs";
import { insertSorted, parseSort, sortResources } from "./sort.mjs";

const clone = (o) => JSON.parse(JSON.stringify(o));
export const asArray = (v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** The `var.*` parameters of a query by name, without the ones we smuggle through. */
const queryVars = (params) => {
	const vars = {};
	for (const [key, value] of Object.entries(params)) {
		if (key.startsWith("var.") && !key.startsWith("var.__sandbox_")) vars[key.slice(4)] = value;
	}
	return vars;
};

export class SandboxStorage extends InMemoryStorage {
	constructor() {
		super();
		this._generation = new Map();
		this._sortCache = new Map();
		this._predicates = new PredicateCache();
	}

	_bump(projectKey, typeId) {
		const k = `${projectKey}\u0000${typeId}`;
		this._generation.set(k, (this._generation.get(k) ?? 0) + 1);
	}

	/** The mock's private Map of stored objects for one type (never hand these out unclone). */
	async rawMap(projectKey, typeId) {
		const projectStorage = await this.forProjectKey(projectKey);
		const store = projectStorage[typeId];
		if (!store) throw new Error(`No type ${typeId}`);
		return store._map;
	}

	async clear() {
		await super.clear();
		this._generation.clear();
		this._sortCache.clear();
	}

	async add(projectKey, typeId, obj, params = {}) {
		this._bump(projectKey, typeId);
		return super.add(projectKey, typeId, obj, params);
	}

	async delete(projectKey, typeId, id, params = {}) {
		this._bump(projectKey, typeId);
		return super.delete(projectKey, typeId, id, params);
	}

	/** Insert already-parsed resources as they are (they came from JSON, nobody else holds them). */
	async bulkInsert(projectKey, typeId, resources) {
		if (typeId === "key-value-document") {
			for (const r of resources) await super.add(projectKey, typeId, r);
		} else {
			const map = await this.rawMap(projectKey, typeId);
			for (const r of resources) map.set(r.id, r);
		}
		this._bump(projectKey, typeId);
	}

	async getByKey(projectKey, typeId, key, params = {}) {
		if (QUERY_MODE === "mock") return super.getByKey(projectKey, typeId, key, params);
		const map = await this.rawMap(projectKey, typeId);
		for (const resource of map.values()) {
			if (resource.key === key) {
				return this.expand(projectKey, clone(resource), params.expand);
			}
		}
		return null;
	}

	_sorted(projectKey, typeId, map, clauses) {
		const gen = this._generation.get(`${projectKey}\u0000${typeId}`) ?? 0;
		const cacheKey = `${projectKey}\u0000${typeId}\u0000${clauses
			.map((c) => `${c.path.join(".")} ${c.desc ? "desc" : "asc"}`)
			.join(",")}`;
		const hit = this._sortCache.get(cacheKey);
		if (hit && hit.gen === gen && hit.size === map.size) return hit.items;

		const items = sortResources([...map.values()], clauses);
		if (this._sortCache.size >= 64) this._sortCache.delete(this._sortCache.keys().next().value);
		const typeKey = `${projectKey}\u0000${typeId}`;
		this._sortCache.set(cacheKey, { gen, size: map.size, items, typeKey, clauses });
		return items;
	}

	/**
	 * Store resources that are new and replace none (messages): the current sorted views of their
	 * type take them by binary insertion (mostly at the end) instead of a full sort of the type at
	 * its next query, which a poller reading after every few writes would pay each time.
	 */
	async addNew(projectKey, typeId, resources) {
		const map = await this.rawMap(projectKey, typeId);
		const typeKey = `${projectKey}\u0000${typeId}`;
		const gen = this._generation.get(typeKey) ?? 0;
		const current = [...this._sortCache.values()].filter(
			(hit) => hit.typeKey === typeKey && hit.gen === gen && hit.size === map.size,
		);
		for (const resource of resources) map.set(resource.id, resource);
		this._bump(projectKey, typeId);
		for (const hit of current) {
			for (const resource of resources) insertSorted(hit.items, resource, hit.clauses);
			hit.gen = gen + 1;
			hit.size = map.size;
		}
	}

	/** The stored resources a query has to test, in sort order: the query plan. */
	_source(projectKey, typeId, map, clauses, where, vars) {
		const lookup = valueLookup(where);
		if (lookup) {
			const found = lookupCandidates(map, lookup);
			return clauses.length ? sortResources(found, clauses) : found;
		}
		if (!clauses.length) return map.values();
		const sorted = this._sorted(projectKey, typeId, map, clauses);
		const before = keysetBound(clauses, where, vars);
		return before ? sortedFrom(sorted, before) : sorted;
	}

	/** Filter, sort and page the stored objects themselves; callers must not mutate `items`. */
	async page(projectKey, typeId, params) {
		const map = await this.rawMap(projectKey, typeId);
		const clauses = parseSort(params[SORT_VAR] ?? params.sort);
		const withTotal = params[WITH_TOTAL_VAR] !== "false" && params.withTotal !== false;
		const offset = params.offset ?? 0;
		const limit = params.limit ?? 20;

		const vars = queryVars(params);
		const where = asArray(params.where);
		const source = this._source(projectKey, typeId, map, clauses, where, vars);
		const match = where?.length ? this._predicates.get(where) : null;

		const items = [];
		const end = offset + limit;
		// With a predicate the total stops at the cap: counting on past it and past the page
		// would tell nothing more.
		const totalCap = match ? MAX_PREDICATED_TOTAL : Number.POSITIVE_INFINITY;
		const stopAt = withTotal ? Math.max(end, totalCap) : end;
		let total = 0;
		for (const resource of source) {
			if (match) {
				let ok;
				try {
					ok = match(resource, vars);
				} catch (err) {
					throw invalidInput(`Malformed parameter: where: ${err?.message ?? String(err)}`);
				}
				if (!ok) continue;
			}
			if (total >= offset && total < end) items.push(resource);
			total++;
			if (total >= stopAt) break;
		}
		return { limit, offset, total: withTotal ? Math.min(total, totalCap) : undefined, items };
	}

	async query(projectKey, typeId, params) {
		if (QUERY_MODE === "mock") return super.query(projectKey, typeId, params);
		const { limit, offset, total, items } = await this.page(projectKey, typeId, params);
		let results = items.map(clone);
		if (params.expand !== undefined) {
			results = await Promise.all(results.map((r) => this.expand(projectKey, r, params.expand)));
		}
		const response = { limit, offset, count: results.length };
		if (total !== undefined) response.total = total;
		response.results = results;
		return response;
	}
}
