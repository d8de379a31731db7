const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID; ids that are not one can never name a row, so verbs answer 404 early. */
export const isUuid = (s: unknown): s is string => typeof s === "string" && UUID.test(s);
