// Lookups in a table keyed by what a user typed. `key in table` and
// `table[key]` also see what every object inherits (`toString`,
// `constructor`, `__proto__`, ...), so an image named "toString" passed a
// check and then crashed every read of its resource. Only the table's own
// entries count.
export function ownValue<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export const hasOwnKey = (table: object, key: string): boolean => Object.hasOwn(table, key);
