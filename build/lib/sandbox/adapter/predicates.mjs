// Reading `where` predicates: their top-level conjuncts and literals (for the query plan), and
// the mock's parser with a cache, since a paging client sends the same predicate page after page.
import { invalidInput, parseQueryExpression } from "./mock-internals.mjs";

/** The inside of a double-quoted predicate literal (backslash escapes allowed). */
export const LITERAL_BODY = String.raw`(?:[^"\\]|\\.)*`;

/** Index of the ")" closing the "(" at `open` (quoted strings skipped), or -1. */
const closingParen = (text, open) => {
	let depth = 0;
	let quote = null;
	for (let i = open; i < text.length; i++) {
		const c = text[i];
		if (quote) {
			if (c === "\\") i++;
			else if (c === quote) quote = null;
		} else if (c === '"' || c === "'") quote = c;
		else if (c === "(") depth++;
		else if (c === ")" && --depth === 0) return i;
	}
	return -1;
};

const stripParens = (text) => {
	let t = text.trim();
	while (t.startsWith("(") && closingParen(t, 0) === t.length - 1) t = t.slice(1, -1).trim();
	return t;
};

/** Top-level `and` conjuncts of a predicate; [predicate] when it has a top-level `or`. */
export const conjuncts = (predicate) => {
	const text = stripParens(predicate);
	const parts = [];
	let depth = 0;
	let quote = null;
	let from = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text[i];
		if (quote) {
			if (c === "\\") i++;
			else if (c === quote) quote = null;
			continue;
		}
		if (c === '"' || c === "'") quote = c;
		else if (c === "(") depth++;
		else if (c === ")") depth--;
		else if (depth === 0 && /\s/.test(c)) {
			const word = /^\s+(and|or)\s+/i.exec(text.slice(i));
			if (word?.[1].toLowerCase() === "or") return [text];
			if (word) {
				parts.push(stripParens(text.slice(from, i)));
				i += word[0].length - 1;
				from = i + 1;
			}
		}
	}
	parts.push(stripParens(text.slice(from)));
	return parts;
};

/** A literal's text (unescaped), else the value of the `var.*` parameter it names. */
export const valueOf = (literal, variable, vars) =>
	literal !== undefined ? literal.replace(/\\(.)/g, "$1") : vars[variable];

export class PredicateCache {
	constructor(max = 1000) {
		this.max = max;
		this.map = new Map();
	}

	get(where) {
		const key = Array.isArray(where) ? where.join("\u0000") : where;
		let fn = this.map.get(key);
		if (fn === undefined) {
			try {
				fn = parseQueryExpression(where);
			} catch (err) {
				throw invalidInput(`Malformed parameter: where: ${err?.message ?? String(err)}`);
			}
			if (this.map.size >= this.max) this.map.clear();
			this.map.set(key, fn);
		}
		return fn;
	}
}
