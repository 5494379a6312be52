// GraphQL: `POST /<project>/graphql`, which the published mock does not serve. A subset of
// commercetools' schema (names and shapes as in commercetools-api-reference's schema.sdl) run by
// graphql-js, so parsing, validation and error shapes are the reference implementation's. Fields
// read the stored objects themselves, and lists page through storage.page like REST collection
// GETs: what REST wrote is what a query reads, with the same `where`, `sort` and limits.
// Status codes and error bodies: sandbox/README.md, "GraphQL".
import { buildSchema, execute, GraphQLError, parse, validate } from "graphql";

import { MAX_LIMIT, MAX_OFFSET } from "./config.mjs";
import { storage } from "./mock-app.mjs";
import { CommercetoolsError } from "./mock-internals.mjs";
import { insufficientScopeBody, sendJson } from "./replies.mjs";

const SDL = `
scalar Long
scalar DateTime
scalar Date
scalar Locale
scalar Currency
scalar Country

type Query {
	customer(id: String, key: String): Customer
	customers(where: String, sort: [String!], limit: Int, offset: Int): CustomerQueryResult!
	order(id: String, orderNumber: String): Order
	orders(where: String, sort: [String!], limit: Int, offset: Int): OrderQueryResult!
	product(id: String, key: String): Product
	products(where: String, sort: [String!], limit: Int, offset: Int): ProductQueryResult!
	category(id: String, key: String): Category
	categories(where: String, sort: [String!], limit: Int, offset: Int): CategoryQueryResult!
}

type Reference {
	typeId: String!
	id: String!
}

type KeyReference {
	typeId: String!
	key: String!
}

type LocalizedString {
	locale: Locale!
	value: String!
}

type Initiator {
	isPlatformClient: Boolean
	clientId: String
	externalUserId: String
	anonymousId: String
	customerRef: Reference
}

type Money {
	type: String!
	currencyCode: Currency!
	centAmount: Long!
	fractionDigits: Int!
}

type CustomerQueryResult {
	offset: Int!
	count: Int!
	total: Long!
	exists: Boolean!
	results: [Customer!]!
}

type Customer {
	id: String!
	key: String
	version: Long!
	customerNumber: String
	email: String!
	externalId: String
	firstName: String
	lastName: String
	middleName: String
	title: String
	salutation: String
	dateOfBirth: Date
	companyName: String
	vatId: String
	locale: Locale
	isEmailVerified: Boolean!
	customerGroupRef: Reference
	storesRef: [KeyReference!]!
	defaultShippingAddressId: String
	defaultBillingAddressId: String
	createdAt: DateTime!
	lastModifiedAt: DateTime!
	createdBy: Initiator
	lastModifiedBy: Initiator
}

enum OrderState {
	Cancelled
	Complete
	Confirmed
	Open
}

enum ShipmentState {
	Backorder
	Canceled
	Delayed
	Delivered
	Partial
	Pending
	Ready
	Shipped
}

enum PaymentState {
	BalanceDue
	CreditOwed
	Failed
	Paid
	Pending
}

type OrderQueryResult {
	offset: Int!
	count: Int!
	total: Long!
	exists: Boolean!
	results: [Order!]!
}

type Order {
	id: String!
	version: Long!
	orderNumber: String
	purchaseOrderNumber: String
	customerId: String
	customerEmail: String
	anonymousId: String
	customerGroupRef: Reference
	orderState: OrderState!
	shipmentState: ShipmentState
	paymentState: PaymentState
	stateRef: Reference
	storeRef: KeyReference
	country: Country
	locale: Locale
	totalPrice: Money!
	lineItems(id: String): [LineItem!]!
	completedAt: DateTime
	createdAt: DateTime!
	lastModifiedAt: DateTime!
	createdBy: Initiator
	lastModifiedBy: Initiator
}

type LineItem {
	id: String!
	key: String
	productId: String!
	productKey: String
	name(locale: Locale, acceptLanguage: [Locale!]): String
	nameAllLocales: [LocalizedString!]!
	variant: ProductVariant
	quantity: Long!
	totalPrice: Money
}

type ProductQueryResult {
	offset: Int!
	count: Int!
	total: Long!
	exists: Boolean!
	results: [Product!]!
}

type Product {
	id: String!
	key: String
	version: Long!
	productTypeRef: Reference!
	masterData: ProductCatalogData!
	skus: [String!]!
	stateRef: Reference
	taxCategoryRef: Reference
	createdAt: DateTime!
	lastModifiedAt: DateTime!
	createdBy: Initiator
	lastModifiedBy: Initiator
}

type ProductCatalogData {
	current: ProductData
	staged: ProductData
	published: Boolean!
	hasStagedChanges: Boolean!
}

type ProductData {
	name(locale: Locale, acceptLanguage: [Locale!]): String
	description(locale: Locale, acceptLanguage: [Locale!]): String
	nameAllLocales: [LocalizedString!]!
	descriptionAllLocales: [LocalizedString!]
	slug(locale: Locale, acceptLanguage: [Locale!]): String
	slugAllLocales: [LocalizedString!]!
	categoryOrderHints: [CategoryOrderHint!]!
	categoriesRef: [Reference!]!
	masterVariant: ProductVariant!
	variants: [ProductVariant!]!
	allVariants: [ProductVariant!]!
	variant(sku: String, key: String): ProductVariant
	skus: [String!]!
}

type CategoryOrderHint {
	categoryId: String!
	orderHint: String!
}

type ProductVariant {
	id: Int!
	key: String
	sku: String
}

type CategoryQueryResult {
	offset: Int!
	count: Int!
	total: Long!
	exists: Boolean!
	results: [Category!]!
}

type Category {
	id: String!
	key: String
	version: Long!
	name(locale: Locale, acceptLanguage: [Locale!]): String
	nameAllLocales: [LocalizedString!]!
	description(locale: Locale, acceptLanguage: [Locale!]): String
	descriptionAllLocales: [LocalizedString!]
	slug(locale: Locale, acceptLanguage: [Locale!]): String
	slugAllLocales: [LocalizedString!]!
	ancestorsRef: [Reference!]!
	parentRef: Reference
	orderHint: String!
	externalId: String
	createdAt: DateTime!
	lastModifiedAt: DateTime!
	createdBy: Initiator
	lastModifiedBy: Initiator
}
`;

// --- scopes -----------------------------------------------------------------------------------
// The scopes commercetools' REST reads of each resource accept (commercetools-api-reference,
// resources/*.raml); manage_* implies view_*, manage_project implies all.

const READ_SCOPES = {
	customer: ["view_customers", "manage_customers"],
	order: ["view_orders", "manage_orders"],
	product: ["view_products", "manage_products"],
	category: ["view_categories", "manage_categories", "view_products", "manage_products"],
};

/** GraphQL error `insufficient_scope` unless the request's scopes may read `typeId`. */
const checkRead = (context, typeId) => {
	const { scopes } = context;
	if (scopes.includes("manage_project") || READ_SCOPES[typeId].some((s) => scopes.includes(s))) {
		return;
	}
	const views = READ_SCOPES[typeId].filter((s) => s.startsWith("view_"));
	throw new GraphQLError(
		`Insufficient scope. One of the following scopes is missing: ${views.join(", ")}.`,
		{ extensions: { code: "insufficient_scope" } },
	);
};

// Token checks run in onRequest (hooks.mjs) for every API request; for GraphQL they leave the
// request's project scopes here for the fields to check.
const requestScopes = new WeakMap();

/** Whether `path` is a project's GraphQL endpoint. */
export const isGraphql = (request, path) => {
	const segments = path.split("/");
	return request.method === "POST" && segments.length === 3 && segments[2] === "graphql";
};

/** GraphQL reads by POST: any scope of the project lets a request in (403 without one, as
 * REST), and each field checks its own. */
export const acceptGraphql = (request, reply, grant, projectKey) => {
	const suffix = `:${projectKey}`;
	const scopes = grant.scopes
		.filter((s) => s.endsWith(suffix))
		.map((s) => s.slice(0, -suffix.length));
	if (!scopes.length) return sendJson(reply, 403, insufficientScopeBody(projectKey));
	requestScopes.set(request, scopes);
};

// --- reading storage --------------------------------------------------------------------------

const invalidInput = (message) =>
	new GraphQLError(message, { extensions: { code: "InvalidInput" } });

/** Storage's CommercetoolsErrors (bad `where`/`sort`) as GraphQL errors with their code. */
const fromStorage = async (read) => {
	try {
		return await read();
	} catch (err) {
		if (!(err instanceof CommercetoolsError)) throw err;
		const { code, message: _m, ...extra } = err.info ?? {};
		throw new GraphQLError(err.message, { extensions: { code: code ?? "InvalidInput", ...extra } });
	}
};

const checkRange = (name, value, max) => {
	if (value < 0 || value > max) {
		throw invalidInput(
			`Malformed parameter: ${name}: The ${name} parameter must be in the range of [0..${max}]`,
		);
	}
};

/** A `customers`-style query result: the page after `where` and `sort`, as REST pages. */
const queryResult = (typeId) => async (_source, args, context) => {
	checkRead(context, typeId);
	const limit = args.limit ?? 20;
	const offset = args.offset ?? 0;
	checkRange("limit", limit, MAX_LIMIT);
	checkRange("offset", offset, MAX_OFFSET);
	const { total, items } = await fromStorage(() =>
		storage.page(context.projectKey, typeId, {
			where: args.where ?? undefined,
			sort: args.sort ?? undefined,
			limit,
			offset,
			withTotal: true,
		}),
	);
	return { offset, count: items.length, total, exists: total > 0, results: items };
};

/** A `customer(id, key)`-style lookup: exactly one identifier; null when nothing matches. */
const lookup = (typeId, field) => async (_source, args, context) => {
	checkRead(context, typeId);
	const given = ["id", field].filter((name) => args[name] != null);
	if (given.length !== 1) throw invalidInput(`Exactly one of 'id' or '${field}' must be given.`);
	const map = await storage.rawMap(context.projectKey, typeId);
	if (given[0] === "id") return map.get(args.id) ?? null;
	for (const resource of map.values()) if (resource[field] === args[field]) return resource;
	return null;
};

// --- field resolvers --------------------------------------------------------------------------
// Stored objects are the mock's own: resolvers only read them.

const DEFAULT_LOCALE = "en";

/** A LocalizedString's value for `locale`, else the first of `acceptLanguage` it has; without
 * either, "en" or its first value (as commercetools' test-data resolves the default). */
const localized = (field) => (source, { locale, acceptLanguage }) => {
	const value = source[field];
	if (!value) return null;
	if (locale != null) return value[locale] ?? null;
	if (acceptLanguage?.length) return value[acceptLanguage.find((l) => value[l] != null)] ?? null;
	return value[DEFAULT_LOCALE] ?? Object.values(value)[0] ?? null;
};

const allLocales = (field) => (source) =>
	Object.entries(source[field] ?? {}).map(([locale, value]) => ({ locale, value }));

const optionalAllLocales = (field) => (source) =>
	source[field] ? allLocales(field)(source) : null;

const renamed = (field) => (source) => source[field] ?? null;

const variantsOf = (data) => (data ? [data.masterVariant, ...(data.variants ?? [])] : []);
const skusOf = (variants) => variants.map((v) => v?.sku).filter((sku) => sku != null);

/** Ancestors root first, as seeded, from the parent chain (the mock's REST reads recompute
 * theirs parent first). */
const ancestorsRef = async (category, _args, context) => {
	const map = await storage.rawMap(context.projectKey, "category");
	const ancestors = [];
	const seen = new Set([category.id]);
	for (let parent = category.parent; parent && !seen.has(parent.id); ) {
		seen.add(parent.id);
		ancestors.unshift({ typeId: "category", id: parent.id });
		parent = map.get(parent.id)?.parent;
	}
	return ancestors;
};

const RESOLVERS = {
	Query: {
		customer: lookup("customer", "key"),
		customers: queryResult("customer"),
		order: lookup("order", "orderNumber"),
		orders: queryResult("order"),
		product: lookup("product", "key"),
		products: queryResult("product"),
		category: lookup("category", "key"),
		categories: queryResult("category"),
	},
	Initiator: { customerRef: renamed("customer") },
	Customer: {
		isEmailVerified: (c) => c.isEmailVerified ?? false,
		customerGroupRef: renamed("customerGroup"),
		storesRef: (c) => c.stores ?? [],
	},
	Order: {
		customerGroupRef: renamed("customerGroup"),
		stateRef: renamed("state"),
		storeRef: renamed("store"),
		lineItems: (o, { id }) => (o.lineItems ?? []).filter((li) => id == null || li.id === id),
	},
	LineItem: { name: localized("name"), nameAllLocales: allLocales("name") },
	Product: {
		productTypeRef: renamed("productType"),
		stateRef: renamed("state"),
		taxCategoryRef: renamed("taxCategory"),
		skus: (p) => {
			const { current, staged } = p.masterData ?? {};
			return [...new Set(skusOf([...variantsOf(current), ...variantsOf(staged)]))];
		},
	},
	ProductData: {
		name: localized("name"),
		nameAllLocales: allLocales("name"),
		description: localized("description"),
		descriptionAllLocales: optionalAllLocales("description"),
		slug: localized("slug"),
		slugAllLocales: allLocales("slug"),
		categoryOrderHints: (d) =>
			Object.entries(d.categoryOrderHints ?? {}).map(([categoryId, orderHint]) => ({
				categoryId,
				orderHint,
			})),
		categoriesRef: (d) => d.categories ?? [],
		variants: (d) => d.variants ?? [],
		allVariants: variantsOf,
		variant: (d, { sku, key }) =>
			variantsOf(d).find((v) => (sku == null || v.sku === sku) && (key == null || v.key === key)) ??
			null,
		skus: (d) => skusOf(variantsOf(d)),
	},
	Category: {
		name: localized("name"),
		nameAllLocales: allLocales("name"),
		description: localized("description"),
		descriptionAllLocales: optionalAllLocales("description"),
		slug: localized("slug"),
		slugAllLocales: allLocales("slug"),
		ancestorsRef,
		parentRef: renamed("parent"),
		orderHint: (c) => c.orderHint ?? "",
	},
};

export const schema = buildSchema(SDL);
for (const [typeName, resolvers] of Object.entries(RESOLVERS)) {
	const fields = schema.getType(typeName).getFields();
	for (const [name, resolve] of Object.entries(resolvers)) {
		if (!fields[name]) throw new Error(`graphql.mjs: no field ${typeName}.${name} in the schema`);
		fields[name].resolve = resolve;
	}
}

// --- the endpoint -----------------------------------------------------------------------------

/** An error as commercetools sends it: every one with `extensions.code` (the API reference's
 * GraphQLError); graphql-js's own (syntax, validation, variables) get `fallback`. */
const formatError = (error, fallback = "InvalidInput") => {
	const json = error instanceof GraphQLError ? error.toJSON() : { message: String(error) };
	return { ...json, extensions: { code: fallback, ...json.extensions } };
};

/** A request error: nothing executed, so no `data` (GraphQL spec, "Response"). */
const requestError = (reply, errors, code) =>
	sendJson(reply, 400, { errors: errors.map((e) => formatError(e, code)) });

/** Why a request body is not a GraphQL request (commercetools' GraphQLRequest), or null. */
const bodyProblem = (body) => {
	if (!body || typeof body !== "object" || Array.isArray(body)) {
		return "The request body must be a JSON object with a 'query'.";
	}
	if (typeof body.query !== "string") return "'query' must be a string with a GraphQL document.";
	const { variables, operationName } = body;
	if (variables != null && (typeof variables !== "object" || Array.isArray(variables))) {
		return "'variables' must be a JSON object.";
	}
	if (operationName != null && typeof operationName !== "string") {
		return "'operationName' must be a string.";
	}
	return null;
};

const handleGraphql = async (request, reply) => {
	const body = request.body;
	const problem = bodyProblem(body);
	if (problem) return requestError(reply, [new GraphQLError(problem)], "InvalidJsonInput");
	let document;
	try {
		document = parse(body.query);
	} catch (err) {
		if (err instanceof GraphQLError) return requestError(reply, [err]);
		throw err;
	}
	const invalid = validate(schema, document);
	if (invalid.length) return requestError(reply, invalid);

	const result = await execute({
		schema,
		document,
		variableValues: body.variables ?? undefined,
		operationName: body.operationName ?? undefined,
		contextValue: {
			projectKey: request.params.projectKey,
			scopes: requestScopes.get(request) ?? [],
		},
	});
	// Variables that do not fit, no such operation, a mutation (we serve queries only): errors of
	// the request, not of a field (no path), so request errors too.
	if (!("data" in result) || result.errors?.some((e) => !e.path)) {
		return requestError(reply, result.errors);
	}
	if (!result.errors?.length) return sendJson(reply, 200, { data: result.data });

	const errors = result.errors.map((e) => formatError(e, "General"));
	const codes = new Set(errors.map((e) => e.extensions.code));
	// 400 for InvalidInput (commercetools, 29 January 2026); a bug of ours is a 500.
	const status = codes.has("General") ? 500 : codes.has("InvalidInput") ? 400 : 200;
	return sendJson(reply, status, { errors, data: result.data });
};

/** A body that is not valid JSON (or not JSON): a GraphQL error, not the mock's 500. */
const bodyError = (error, _request, reply) => {
	const parsing = error instanceof SyntaxError || String(error.code).startsWith("FST_ERR_CTP");
	const status = parsing ? (error instanceof SyntaxError ? 400 : (error.statusCode ?? 400)) : 500;
	const code = !parsing
		? "General"
		: error instanceof SyntaxError
			? "InvalidJsonInput"
			: "InvalidInput";
	return sendJson(reply, status, { errors: [{ message: error.message, extensions: { code } }] });
};

export const registerGraphql = (app) =>
	app.post("/:projectKey/graphql", { errorHandler: bodyError }, handleGraphql);
