// A Map that says which key is about to change, before it changes. A read
// model that keeps its state in WatchedMaps can be checkpointed a slice at a
// time while events go on changing it: the checkpoint writer saves an entry's
// old value first (copy on write, see @pn/projection checkpoint.ts). Values
// are replaced (set), never changed in place, or the writer cannot see it.
export class WatchedMap<V> extends Map<string, V> {
  /** Called with a key before `set` or `delete` changes it; one watcher at a time. */
  watcher: ((key: string) => void) | undefined;

  override set(key: string, value: V): this {
    this.watcher?.(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    if (this.watcher && this.has(key)) this.watcher(key);
    return super.delete(key);
  }

  override clear(): void {
    if (this.watcher) for (const key of this.keys()) this.watcher(key);
    super.clear();
  }
}
