// The resource types the mock serves over HTTP: what a seed may load, and how a URL segment
// names a stored type.

/** Resource type ids the mock 4.4.0 serves over HTTP (storage type id -> URL segment). */
export const SERVED_TYPES = {
	"approval-flow": "approval-flows",
	"approval-rule": "approval-rules",
	"associate-role": "associate-roles",
	"attribute-group": "attribute-groups",
	"business-unit": "business-units",
	cart: "carts",
	"cart-discount": "cart-discounts",
	category: "categories",
	channel: "channels",
	customer: "customers",
	"customer-group": "customer-groups",
	"discount-code": "discount-codes",
	"discount-group": "discount-groups",
	extension: "extensions",
	"inventory-entry": "inventory",
	"key-value-document": "custom-objects",
	order: "orders",
	payment: "payments",
	product: "products",
	"product-discount": "product-discounts",
	"product-selection": "product-selections",
	"product-type": "product-types",
	quote: "quotes",
	"quote-request": "quote-requests",
	"recurrence-policy": "recurrence-policies",
	"recurring-order": "recurring-orders",
	review: "reviews",
	"shipping-method": "shipping-methods",
	"shopping-list": "shopping-lists",
	"staged-quote": "staged-quotes",
	"standalone-price": "standalone-prices",
	state: "states",
	store: "stores",
	subscription: "subscriptions",
	"tax-category": "tax-categories",
	type: "types",
	zone: "zones",
};

/** URL segment -> storage type id. */
export const SEGMENT_TO_TYPE = Object.fromEntries(
	Object.entries(SERVED_TYPES).map(([typeId, segment]) => [segment, typeId]),
);
